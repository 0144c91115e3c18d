"""The CoNLL-vs-CoNLL evaluation on arrays: the same report as the generic path, much faster.

The generic path builds one `Unit` per sentence with `Span` objects and runs `match_spans` on each.
Here a whole file is a few numpy arrays (`formats.conll.scan_conll`) and everything is vectorized:

* decoding: IOB2 strict (seqeval's strict `Entities`) and the lenient conlleval rules of every scheme
  are pairwise rules on neighbouring tags; the other strict grammars are decoded sentence by
  sentence with `tags.decode` (still exact, just slower);
* matching: spans of one side never overlap (flat CoNLL tags), so the overlap graph falls apart into
  groups of consecutive spans. A group with one span on either side (1-1 pairs, one gold span split
  in several predictions, several merged in one) is solved in closed form: the partner is the first
  one of the best kind, which is exactly what `linear_sum_assignment` returns for a 1 x k matrix.
  Groups with several spans on both sides (rare) are solved one by one with `lsa_maximize`, a pure
  Python copy of the algorithm scipy uses (same tie-breaking, no scipy import);
* counting: per-sentence, per-label, per-field counts of the four schemes with `np.bincount`, i.e.
  the `CountTable`s the generic path builds, equal element by element.

`conll_vs_conll` returns None whenever it cannot promise the generic result (an unreadable or
malformed file, differing tokens, unknown labels, lenient decoding producing nested spans, ...): the
caller then runs the generic path, which also produces the error messages. `ENABLED = False` (or the
`generic()` context manager) forces the generic path, e.g. to compare the two in tests.
"""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from math import inf

from .matching import CORRECT, MISSED, SPURIOUS, WRONG_BOTH, WRONG_BOUNDARY, WRONG_TYPE, Pair
from .schemes import COR, FIELDS, PAR, SCHEMES

ENABLED = True
# kind codes: the index in KIND_CODES; lower is better (CORRECT > WRONG_TYPE > WRONG_BOUNDARY > WRONG_BOTH)
KIND_CODES = (CORRECT, WRONG_TYPE, WRONG_BOUNDARY, WRONG_BOTH)
_WEIGHTS = (1e9, 1e6, 1e3, 1.0)  # matching._WEIGHT, in KIND_CODES order


@contextmanager
def generic():
    """Run the generic (per-sentence) CoNLL path inside the block."""
    global ENABLED
    saved, ENABLED = ENABLED, False
    try:
        yield
    finally:
        ENABLED = saved


# ---------------------------------------------------------------- linear_sum_assignment without scipy


def lsa_maximize(weight: list[list[float]]) -> list[tuple[int, int]]:
    """`scipy.optimize.linear_sum_assignment(weight, maximize=True)` as (row, col) pairs, row-sorted.

    The shortest augmenting path algorithm of Crouse (2016, IEEE TAES 52(4), pp. 1685-1686) in the
    variant scipy implements (>= 1.4): costs negated, a tall matrix transposed, columns scanned in
    reverse order, ties resolved towards unassigned columns. Being the same computation on the same
    doubles, it picks the same assignment among equally good ones, which is what makes per-label
    counts equal to the generic path's. For the small matrices of tangled spans only.
    """
    nr, nc = len(weight), len(weight[0]) if weight else 0
    if nr == 0 or nc == 0:
        return []
    transpose = nc < nr
    if transpose:
        cost = [[-weight[i][j] for i in range(nr)] for j in range(nc)]
        nr, nc = nc, nr
    else:
        cost = [[-w for w in row] for row in weight]
    u = [0.0] * nr
    v = [0.0] * nc
    path = [-1] * nc
    col4row = [-1] * nr
    row4col = [-1] * nc
    for cur in range(nr):
        # shortest augmenting path from row `cur`
        remaining = list(range(nc - 1, -1, -1))
        num = nc
        sr = [False] * nr
        sc = [False] * nc
        spc = [inf] * nc
        min_val = 0.0
        i = cur
        sink = -1
        while sink == -1:
            index = -1
            lowest = inf
            sr[i] = True
            row = cost[i]
            ui = u[i]
            for it in range(num):
                j = remaining[it]
                r = min_val + row[j] - ui - v[j]
                if r < spc[j]:
                    path[j] = i
                    spc[j] = r
                if spc[j] < lowest or (spc[j] == lowest and row4col[j] == -1):
                    lowest = spc[j]
                    index = it
            min_val = lowest
            if min_val == inf:
                raise ValueError("cost matrix is infeasible")
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            sc[j] = True
            num -= 1
            remaining[index] = remaining[num]
        u[cur] += min_val
        for i in range(nr):
            if sr[i] and i != cur:
                u[i] += min_val - spc[col4row[i]]
        for j in range(nc):
            if sc[j]:
                v[j] -= min_val - spc[j]
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            col4row[i], j = j, col4row[i]
            if i == cur:
                break
    if transpose:
        return sorted((col4row[c], c) for c in range(nr))
    return [(r, col4row[r]) for r in range(nr)]


# ---------------------------------------------------------------- decoding


def _tag_codes(np, tags: list[str], type_index: dict[str, int], o_type: int, bilou: bool):
    """Per distinct tag: strict prefix code (0 O, 1 B, 2 I, 3 E, 4 S, 5 L, 6 U), lenient code, type id."""
    from ..tags import _CODES, _split

    strict, lenient, typ = [], [], []
    for tag in tags:
        prefix, t = _split(tag)
        code = _CODES[prefix]
        strict.append(code)
        lenient.append({5: 3, 6: 4}.get(code, code) if bilou else code)
        typ.append(o_type if t is None else type_index[t])
    return np.array(strict, dtype=np.int8), np.array(lenient, dtype=np.int8), np.array(typ, dtype=np.int32)


def _pair_table(np):
    from ..tags import _PAIR

    return np.array(_PAIR, dtype=np.int8)


def _lenient_spans(np, code, typ, first, last, o_type):
    """seqeval's default `get_entities` per sentence (tags._lenient), vectorized: (begin, end, type) arrays
    in token order, or None when chunks nest (possible with L-/U- tags outside BILOU)."""
    n = len(code)
    pair = _pair_table(np)
    prev_code = np.empty(n, dtype=np.int8)
    prev_code[0] = 0
    prev_code[1:] = code[:-1]
    prev_code[first] = 0
    prev_type = np.empty(n, dtype=np.int32)
    prev_type[0] = -1
    prev_type[1:] = typ[:-1]
    prev_type[first] = -1  # get_entities starts a sentence with type '' (no tag has it)
    flags = pair[prev_code.astype(np.int16) * 7 + code]
    type_change = prev_type != typ
    end_before = (prev_code != 0) & (((flags & 1) != 0) | type_change)
    start_at = ((flags & 2) != 0) | ((code != 0) & type_change)
    end_after = np.empty(n, dtype=bool)
    end_after[:-1] = end_before[1:]
    lc = code[last]
    end_after[last] = (lc != 0) & (((pair[lc.astype(np.int16) * 7] & 1) != 0) | (typ[last] != o_type))
    ends = np.flatnonzero(end_after)
    starts = np.flatnonzero(start_at)
    if not len(ends):
        return ends, ends, ends.astype(np.int32)
    k = np.searchsorted(starts, ends, side="right") - 1
    if k.min() < 0:
        return None
    begin = starts[k]
    if np.any(begin[1:] <= ends[:-1]):
        return None  # nested chunks: the generic path handles them
    return begin, ends + 1, typ[ends]


def _iob2_strict(np, pre, typ, first):
    """IOB2 strict decoding (seqeval strict `Entities`): (begin, end, type), invalid-tag count, invalid mask
    maker. A chunk is B-X followed by I-X tags; any other I- and every E/S/L/U tag breaks the scheme."""
    n = len(pre)
    is_b = pre == 1
    is_i = pre == 2
    link = np.zeros(n, dtype=bool)  # I-X continuing the B-X/I-X before it
    if n > 1:
        link[1:] = is_i[1:] & ((pre[:-1] == 1) | (pre[:-1] == 2)) & (typ[1:] == typ[:-1])
    link &= ~first
    d = np.diff(link.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    run_start = np.flatnonzero(d == 1)
    run_end = np.flatnonzero(d == -1)
    heads = run_start - 1
    b_pos = np.flatnonzero(is_b)
    end = b_pos + 1
    from_b = is_b[heads]
    end[np.searchsorted(b_pos, heads[from_b])] = run_end[from_b]
    valid_i = int((run_end[from_b] - run_start[from_b]).sum())
    invalid = int(is_i.sum()) - valid_i + int((pre >= 3).sum())

    def invalid_mask():
        cover = np.zeros(n + 1, dtype=np.int8)
        cover[run_start[from_b]] += 1
        cover[run_end[from_b]] -= 1
        covered = np.cumsum(cover[:-1], dtype=np.int8).view(bool)
        return (is_i & ~covered) | (pre >= 3)

    return (b_pos, end, typ[b_pos]), invalid, invalid_mask


def _decode_side(np, arrs, pre, lcode, typ, first, last, scheme, mode, o_type, types):
    """Spans (begin, end, type id: token indices over the whole file), invalid count, first invalid tags."""
    from ..tags import decode

    if scheme == "IOB2":
        spans, invalid, invalid_mask = _iob2_strict(np, pre, typ, first)
        if mode == "lenient":
            spans = _lenient_spans(np, lcode, typ, first, last, o_type)
            if spans is None:
                return None
        bad_sentences = []
        if invalid:
            where = np.flatnonzero(invalid_mask())[:5]
            bad_sentences = sorted(set((np.searchsorted(arrs.sent_start, where, side="right") - 1).tolist()))
        return spans, invalid, _first_invalid(arrs, bad_sentences, scheme, mode)
    if mode == "lenient":
        spans = _lenient_spans(np, lcode, typ, first, last, o_type)
        if spans is None:
            return None
    # other strict grammars (and every invalid-tag count but IOB2's): sentence by sentence, exactly tags.decode
    all_tags = np.array(arrs.tags, dtype=object)[arrs.tag_id].tolist()
    bounds = arrs.sent_start.tolist()
    type_index = {t: i for i, t in enumerate(types)}
    begins, ends, labels = [], [], []
    invalid, first_bad = 0, []
    for k in range(arrs.n_sentences):
        a = bounds[k]
        decoded = decode(all_tags[a : bounds[k + 1]], scheme, mode)
        if decoded.invalid:
            invalid += len(decoded.invalid)
            if len(first_bad) < 5:
                first_bad.append(k)
        if mode == "strict":
            for s, e, t in decoded.spans:
                begins.append(a + s)
                ends.append(a + e)
                labels.append(type_index[t])
    if mode == "strict":
        spans = (np.array(begins, dtype=np.int64), np.array(ends, dtype=np.int64), np.array(labels, dtype=np.int32))
    return spans, invalid, _first_invalid(arrs, first_bad, scheme, mode)


def _first_invalid(arrs, sentences, scheme: str, mode: str) -> list[dict]:
    from ..tags import decode

    out = []
    for k in sentences:
        line = int(arrs.sent_line[k])
        for bad in decode(arrs.sentence_tags(k), scheme, mode).invalid:
            if len(out) < 5:
                out.append({"line": line + bad.index, "tag": bad.tag, "reason": bad.reason})
    return out


# ---------------------------------------------------------------- matching


def _kinds(np, ga, gb, gl, pa, pb, pl):
    same_extent = (ga == pa) & (gb == pb)
    same_label = gl == pl
    return np.where(same_extent, np.where(same_label, 0, 1), np.where(same_label, 2, 3)).astype(np.int8)


def match_flat(np, ga, gb, gl, pa, pb, pl):
    """Optimal one-to-one matching (`match_spans`) of flat gold and predicted spans sorted by start
    (token positions over the whole file, so spans of different sentences never overlap).
    Returns matched (gold index, pred index, kind code) arrays."""
    ng, n_pred = len(ga), len(pa)
    empty = np.zeros(0, dtype=np.int64)
    if ng == 0 or n_pred == 0:
        return empty, empty, empty.astype(np.int8)
    starts = np.concatenate((ga, pa))
    order = np.argsort(starts, kind="stable")
    ends_sorted = np.concatenate((gb, pb))[order]
    reach = np.maximum.accumulate(ends_sorted)
    new = np.ones(len(order), dtype=bool)
    new[1:] = starts[order][1:] >= reach[:-1]
    group = np.empty(len(order), dtype=np.int64)
    group[order] = np.cumsum(new) - 1
    n_groups = int(group.max()) + 1
    g_grp, p_grp = group[:ng], group[ng:]
    n_g = np.bincount(g_grp, minlength=n_groups)
    n_p = np.bincount(p_grp, minlength=n_groups)
    g_first = np.searchsorted(g_grp, np.arange(n_groups))
    p_first = np.searchsorted(p_grp, np.arange(n_groups))
    # stars (one span on a side; 1-1 pairs included): the first partner of the best kind
    pe = np.flatnonzero(((n_g == 1) & (n_p >= 1))[p_grp])
    ge = np.flatnonzero(((n_p == 1) & (n_g >= 2))[g_grp])
    eg = np.concatenate((g_first[p_grp[pe]], ge))
    ep = np.concatenate((pe, p_first[g_grp[ge]]))
    kind = _kinds(np, ga[eg], gb[eg], gl[eg], pa[ep], pb[ep], pl[ep])
    egrp = g_grp[eg]
    pick = np.lexsort((np.arange(len(eg)), kind, egrp))
    keep = np.ones(len(pick), dtype=bool)
    keep[1:] = egrp[pick][1:] != egrp[pick][:-1]
    pick = pick[keep]
    mg, mp, mk = [eg[pick]], [ep[pick]], [kind[pick]]
    # tangles: several spans on both sides
    tangled = np.flatnonzero((n_g >= 2) & (n_p >= 2))
    if len(tangled):
        tg, tp, tk = [], [], []
        for g0, gn, p0, pn in zip(g_first[tangled].tolist(), n_g[tangled].tolist(), p_first[tangled].tolist(), n_p[tangled].tolist()):
            g_idx = range(g0, g0 + gn)
            p_idx = range(p0, p0 + pn)
            gs = [(int(ga[i]), int(gb[i]), int(gl[i])) for i in g_idx]
            ps = [(int(pa[j]), int(pb[j]), int(pl[j])) for j in p_idx]
            weight = [[0.0] * pn for _ in range(gn)]
            kinds = {}
            for a, (s1, e1, l1) in enumerate(gs):
                for b, (s2, e2, l2) in enumerate(ps):
                    if s1 < e2 and s2 < e1:
                        code = (0 if l1 == l2 else 1) if (s1, e1) == (s2, e2) else (2 if l1 == l2 else 3)
                        weight[a][b] = _WEIGHTS[code]
                        kinds[a, b] = code
            for a, b in lsa_maximize(weight):
                if weight[a][b] > 0:
                    tg.append(g0 + a)
                    tp.append(p0 + b)
                    tk.append(kinds[a, b])
        mg.append(np.array(tg, dtype=np.int64))
        mp.append(np.array(tp, dtype=np.int64))
        mk.append(np.array(tk, dtype=np.int8))
    return np.concatenate(mg), np.concatenate(mp), np.concatenate(mk)


# ---------------------------------------------------------------- the result, shaped like the generic one


class ConllUnit:
    """One sentence, read lazily from the arrays: the attributes of `evaluate.Unit`."""

    __slots__ = ("_res", "_k")
    zone = None
    start = 0

    def __init__(self, res: "FastConll", k: int):
        self._res = res
        self._k = k

    @property
    def id(self) -> str:
        return f"s{self._k + 1}"

    @property
    def document_id(self) -> str:
        return f"doc{int(self._res.gold.sent_doc[self._k])}"

    @property
    def token_line(self) -> int:
        return int(self._res.gold.sent_line[self._k])

    @property
    def text(self) -> str:
        return " ".join(self._res.gold.tokens(self._k))

    @property
    def gold(self) -> list:
        return self._res.spans()[0][self._k]

    @property
    def pred(self) -> list:
        return self._res.spans()[1][self._k]

    @property
    def unaligned(self) -> list:
        return []

    def __repr__(self) -> str:
        return f"ConllUnit({self.id}, line {self.token_line})"


class ConllUnits:
    """The sentences of a CoNLL evaluation: a read-only sequence of `ConllUnit`, with the tables."""

    flat = True  # report._flat: no nested spans on either side, every view is the same

    def __init__(self, res: "FastConll"):
        self._res = res

    def __len__(self) -> int:
        return self._res.n_units

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [ConllUnit(self._res, i) for i in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        return ConllUnit(self._res, k)

    def __iter__(self):
        from itertools import repeat

        return map(ConllUnit, repeat(self._res), range(self._res.n_units))

    def unit_tables(self):
        """What `report.unit_tables` returns: (tables by scheme, pairs per unit, (gold, pred) per unit)."""
        return self._res.tables, _Lazy(self._res, 2), _Lazy(self._res, 3)


class _Lazy:
    """A per-unit list built on first use (pairs or spans; only the error listing needs them)."""

    def __init__(self, res, which):
        self._res, self._which = res, which

    def _items(self):
        return self._res.per_unit()[self._which - 2]

    def __len__(self):
        return self._res.n_units

    def __getitem__(self, k):
        return self._items()[k]

    def __iter__(self):
        return iter(self._items())


class FastConll:
    """Arrays of one evaluation: spans of both sides, the matching, the count tables."""

    def __init__(self, np, gold, labels, g, p, matched, tables):
        self.np = np
        self.gold = gold  # ConllArrays of the gold file (sentences, lines, tokens)
        self.labels = labels
        self.g = g  # (begin, end, label id, sentence) of gold spans
        self.p = p
        self.matched = matched  # (gold index, pred index, kind code)
        self.tables = tables
        self.n_units = gold.n_sentences
        self._spans = None
        self._per_unit = None

    def spans(self):
        """Per unit: the gold and the predicted `Span` lists (sentence-relative tokens, sorted)."""
        if self._spans is None:
            from ..spans import Span

            offsets = self.gold.sent_start
            out = []
            for begin, end, label, sent in (self.g, self.p):
                per = [[] for _ in range(self.n_units)]
                base = offsets[sent]
                names = self.labels
                for s, a, b, lab in zip(sent.tolist(), (begin - base).tolist(), (end - base).tolist(), label.tolist()):
                    per[s].append(Span(a, b, names[lab]))
                out.append(per)
            self._spans = tuple(out)
        return self._spans

    def per_unit(self):
        """(pairs per unit as `match_spans` orders them, (gold, pred) spans per unit)."""
        if self._per_unit is None:
            np = self.np
            gold_spans, pred_spans = self.spans()
            ga, gb, _, gs = self.g
            pa, pb, _, ps = self.p
            mg, mp, mk = self.matched
            ng, n_pred = len(ga), len(pa)
            g_local = np.arange(ng) - np.searchsorted(gs, gs)  # index within its sentence
            p_local = np.arange(n_pred) - np.searchsorted(ps, ps)
            matched_g = np.zeros(ng, dtype=bool)
            matched_g[mg] = True
            matched_p = np.zeros(n_pred, dtype=bool)
            matched_p[mp] = True
            missed, spurious = np.flatnonzero(~matched_g), np.flatnonzero(~matched_p)
            rec_g = np.concatenate((mg, missed, np.full(len(spurious), -1)))
            rec_p = np.concatenate((mp, np.full(len(missed), -1), spurious))
            rec_k = np.concatenate((mk.astype(np.int64), np.full(len(missed), 4), np.full(len(spurious), 5)))
            has_g = rec_g >= 0
            gi, pi = np.maximum(rec_g, 0), np.maximum(rec_p, 0)
            unit = np.where(has_g, gs[gi] if ng else 0, ps[pi] if n_pred else 0)
            start = np.where(has_g, ga[gi] if ng else 0, pa[pi] if n_pred else 0)
            end = np.where(has_g, gb[gi] if ng else 0, pb[pi] if n_pred else 0)
            gloc = np.where(has_g, g_local[gi] if ng else 0, -1)
            ploc = np.where(rec_p >= 0, p_local[pi] if n_pred else 0, -1)
            order = np.lexsort((ploc, gloc, -end, start, unit))
            pairs = [[] for _ in range(self.n_units)]
            names = (CORRECT, WRONG_TYPE, WRONG_BOUNDARY, WRONG_BOTH, MISSED, SPURIOUS)
            for u, a, b, k in zip(unit[order].tolist(), gloc[order].tolist(), ploc[order].tolist(), rec_k[order].tolist()):
                pairs[u].append(Pair(a if a >= 0 else None, b if b >= 0 else None, names[k]))
            self._per_unit = (pairs, list(zip(gold_spans, pred_spans)))
        return self._per_unit


# ---------------------------------------------------------------- the evaluation


def _count_tables(np, labels, n_units, g, p, matched):
    from .aggregate import CountTable

    n_labels = len(labels)
    size = n_units * n_labels
    _, _, gl, gs = g
    _, _, pl, ps = p
    mg, mp, mk = matched
    g_key = gs * n_labels + gl
    p_key = ps * n_labels + pl
    gold_count = np.bincount(g_key, minlength=size)
    pred_count = np.bincount(p_key, minlength=size)
    tables = {}
    for name, rule in SCHEMES.items():
        outcome = [rule(kind) for kind in KIND_CODES]
        cor = np.isin(mk, [c for c, o in enumerate(outcome) if o == COR])
        par = np.isin(mk, [c for c, o in enumerate(outcome) if o == PAR])
        counts = np.zeros((size, len(FIELDS)), dtype=np.int32)  # sums of int32 are int64 (numpy)
        counts[:, 0] = gold_count
        counts[:, 1] = pred_count
        if cor.any():
            counts[:, 2] = np.bincount(g_key[mg[cor]], minlength=size)
            counts[:, 4] = np.bincount(p_key[mp[cor]], minlength=size)
        if par.any():
            counts[:, 3] = np.bincount(g_key[mg[par]], minlength=size)
            counts[:, 5] = np.bincount(p_key[mp[par]], minlength=size)
        tables[name] = CountTable(list(labels), counts.reshape(n_units, n_labels, len(FIELDS)))
    return tables


def _map_labels(np, policy, types, type_ids):
    """Apply `policy.map` as the generic path does span by span (same counters, same key order), once
    per distinct type. Returns label index per type id (-1: dropped), or None on unknown labels."""
    lookup = np.full(len(types), -1, dtype=np.int64)
    if not len(type_ids):
        return lookup
    distinct, first, count = np.unique(type_ids, return_index=True, return_counts=True)
    index = {label: i for i, label in enumerate(policy.allowed)}
    counters = (policy.mapped, policy.dropped, policy.unknown)
    for k in np.argsort(first, kind="stable").tolist():
        t, n = int(distinct[k]), int(count[k])
        before = [Counter(c) for c in counters]
        label = policy.map(types[t])
        for c, b in zip(counters, before):
            for key in list(c):
                delta = c[key] - b.get(key, 0)
                if delta:
                    c[key] += delta * (n - 1)
        if label is not None:
            lookup[t] = index[label]
    if policy.unknown:
        return None
    return lookup


def conll_vs_conll(gold_path, pred_path, scheme: str, mode: str, policy_labels: str, label_map: dict, notes: dict):
    """`evaluate._conll_vs_conll` on arrays: (units, policy) with `units` a `ConllUnits`, or None when the
    generic path must run (it then gives the same result, or the error)."""
    from ..tags import DECODE_MODES, SCHEMES as TAG_SCHEMES

    if not ENABLED or scheme not in TAG_SCHEMES or mode not in DECODE_MODES:
        return None
    import numpy as np

    from ..formats.conll import scan_conll
    from ..tags import _split

    gold, pred = _scan_both(scan_conll, gold_path, pred_path)
    if gold is None or pred is None:
        return None
    if not gold.same_tokens(pred):
        return None  # other sentences or tokens: the generic path names the first difference
    for arrs in (gold, pred):
        arrs.tok_head = arrs.tok_tail = None  # compared: no longer needed (tokens(k) reads the file)
    parts = [_split(t) for t in gold.tags + pred.tags]
    if any(x is None for x in parts):
        return None  # a malformed tag: the generic path names it
    types = sorted({t for _, t in parts if t is not None} | {"_"})
    type_index = {t: i for i, t in enumerate(types)}
    o_type = type_index["_"]  # get_entities gives O the type '_'
    n = gold.n_tokens
    first = np.zeros(n, dtype=bool)
    first[gold.sent_start[:-1]] = True
    last = np.zeros(n, dtype=bool)
    last[gold.sent_start[1:] - 1] = True
    local: dict = {"invalid_tags": {}}
    sides = []
    for role, arrs, path in (("gold", gold, gold_path), ("pred", pred, pred_path)):
        strict_code, lenient_code, typ = _tag_codes(np, arrs.tags, type_index, o_type, scheme == "BILOU")
        decoded = _decode_side(np, arrs, strict_code[arrs.tag_id], lenient_code[arrs.tag_id], typ[arrs.tag_id], first, last, scheme, mode, o_type, types)
        if decoded is None:
            return None
        spans, invalid, first_bad = decoded
        local["invalid_tags"][role] = {"count": invalid, "first": first_bad, "file": str(path)}
        sides.append(spans)
    (ga, gb, gt), (pa, pb, pt) = sides
    from ..errors import VinerfactsError
    from ..evaluate import _policy

    gold_labels = sorted(types[t] for t in np.flatnonzero(np.bincount(gt, minlength=len(types))).tolist())
    try:
        policy = _policy(policy_labels, None, gold_labels, label_map)
    except VinerfactsError:
        return None
    if any(label not in policy.allowed for label in gold_labels):
        return None
    index = {label: i for i, label in enumerate(policy.allowed)}
    g_lookup = np.array([index.get(t, -1) for t in types], dtype=np.int64)
    gl = g_lookup[gt]
    p_lookup = _map_labels(np, policy, types, pt)
    if p_lookup is None:
        return None
    pl = p_lookup[pt]
    keep = pl >= 0
    pa, pb, pl = pa[keep], pb[keep], pl[keep]
    gs = np.searchsorted(gold.sent_start, ga, side="right") - 1
    ps = np.searchsorted(gold.sent_start, pa, side="right") - 1
    matched = match_flat(np, ga, gb, gl, pa, pb, pl)
    labels = list(policy.allowed)
    g, p = (ga, gb, gl, gs), (pa, pb, pl, ps)
    tables = _count_tables(np, labels, gold.n_sentences, g, p, matched)
    res = FastConll(np, gold, labels, g, p, matched, tables)
    notes.update(local)
    notes["tokens"] = n
    notes["token_accuracy"] = _token_accuracy(np, gold, pred)
    return ConllUnits(res), policy


def _scan_both(scan, gold_path, pred_path):
    """Both files at once: numpy releases the GIL in most of a scan, so a second core reads the other file."""
    import threading

    box: list = []

    def work():
        try:
            box.append(scan(pred_path))
        except BaseException as e:  # noqa: BLE001  re-raised in the caller's thread
            box.append(e)

    thread = threading.Thread(target=work, name="vinerfacts-scan", daemon=True)
    thread.start()
    try:
        gold = scan(gold_path)
    finally:
        thread.join()
    if isinstance(box[0], BaseException):
        raise box[0]
    return gold, box[0]


def _token_accuracy(np, gold, pred) -> float | None:
    """Share of tokens whose gold and predicted tags are the same string."""
    n = gold.n_tokens
    if not n:
        return None
    combined = {t: i for i, t in enumerate(dict.fromkeys(gold.tags + pred.tags))}
    g = np.array([combined[t] for t in gold.tags], dtype=np.int32)[gold.tag_id]
    p = np.array([combined[t] for t in pred.tags], dtype=np.int32)[pred.tag_id]
    return int(np.count_nonzero(g == p)) / n
