package territory

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Reason says why a territory matched a search.
type Reason string

// Reasons, from the strongest. Tier gives the order used for ranking.
const (
	ReasonCode             Reason = "code"               // the query is its code (INSEE, SIREN, département or région code)
	ReasonName             Reason = "name"               // the query is its whole name
	ReasonPostalCode       Reason = "postal_code"        // the query is one of its postal codes
	ReasonNamePrefix       Reason = "name_prefix"        // its name starts with the query
	ReasonCodePrefix       Reason = "code_prefix"        // its code starts with the query
	ReasonPostalCodePrefix Reason = "postal_code_prefix" // one of its postal codes starts with the query
	ReasonWordPrefix       Reason = "word_prefix"        // a later word of its name starts with the query
	ReasonWords            Reason = "words"              // each query word starts some word of its name
)

// tiers maps a tier number to its reason. A code is an identifier, so an
// exact code beats an exact postal code: "66230" is the INSEE code of Vinça
// and a postal code of Prats-de-Mollo-la-Preste, and lists Vinça first.
var tiers = [...]Reason{
	ReasonCode, ReasonName, ReasonPostalCode,
	ReasonNamePrefix, ReasonCodePrefix, ReasonPostalCodePrefix,
	ReasonWordPrefix, ReasonWords,
}

// Match is one search result.
type Match struct {
	Territory Territory
	Reason    Reason
	// Tier orders reasons: 0 (exact code) is the strongest. Within a tier,
	// results come by population, larger first, then by kind from commune to
	// région; exact codes come by kind first, so "75" lists the département
	// (Paris) before the région with the same code (Nouvelle-Aquitaine).
	Tier int
}

// Limits on the number of results.
const (
	DefaultLimit = 10
	MaxLimit     = 200
)

// maxQueryBytes bounds the raw query Search looks at; no name comes close.
const maxQueryBytes = 1024

// posting is one searchable key of a territory.
type posting struct {
	key  string // normalised
	id   int32  // index in Referential.all
	tier uint8  // tier when the whole key equals the query; prefix tiers follow from it
}

type searchIndex struct {
	names []posting // whole normalised names
	words []posting // normalised names from their second, third … word on
	codes []posting // codes and postal codes, lower case
	norm  []string  // normalised name by id
	max   int       // length of the longest key: longer queries cannot match
	pop   []int     // population by id
	kind  []uint8   // kind rank by id
}

const (
	tierCode uint8 = iota
	tierName
	tierPostal
	tierNamePrefix
	tierCodePrefix
	tierPostalPrefix
	tierWordPrefix
	tierWords
)

// prefixTier gives the tier of a key that merely starts with the query.
func prefixTier(exact uint8) uint8 {
	switch exact {
	case tierCode:
		return tierCodePrefix
	case tierName:
		return tierNamePrefix
	case tierPostal:
		return tierPostalPrefix
	}
	return exact
}

func buildIndex(all []Territory) searchIndex {
	ix := searchIndex{
		norm: make([]string, len(all)),
		pop:  make([]int, len(all)),
		kind: make([]uint8, len(all)),
	}
	// One buffer for every normalised name: the keys are slices of one string.
	var buf []byte
	ends := make([]int, len(all))
	nPostal := 0
	for i := range all {
		buf = normalize(buf, all[i].Name, true)
		ends[i] = len(buf)
		nPostal += len(all[i].PostalCodes)
	}
	names := string(buf)
	ix.names = make([]posting, 0, len(all))
	ix.codes = make([]posting, 0, len(all)+nPostal)
	start := 0
	nWords := 0
	for i := range all {
		t := &all[i]
		n := names[start:ends[i]]
		start = ends[i]
		ix.norm[i], ix.pop[i], ix.kind[i] = n, t.Population, uint8(t.Kind.rank())
		ix.max = max(ix.max, len(n), len(t.Code))
		ix.names = append(ix.names, posting{n, int32(i), tierName})
		nWords += strings.Count(n, " ")
		// "2A" → "2a", as queries are folded; other codes are digits and stay as they are.
		ix.codes = append(ix.codes, posting{strings.ToLower(t.Code), int32(i), tierCode})
		for _, pc := range t.PostalCodes {
			ix.codes = append(ix.codes, posting{pc, int32(i), tierPostal})
		}
	}
	ix.words = make([]posting, 0, nWords)
	for i, n := range ix.norm {
		eachWordStart(n, func(at int) {
			if at > 0 {
				ix.words = append(ix.words, posting{n[at:], int32(i), tierWordPrefix})
			}
		})
	}
	var wg sync.WaitGroup
	for _, p := range []*[]posting{&ix.names, &ix.words, &ix.codes} {
		wg.Go(func() { *p = sortPostings(*p) })
	}
	wg.Wait()
	return ix
}

// sortPostings sorts by key then id and drops repeats (one territory, same
// key, same tier). Keys are short byte strings over a small alphabet, so a
// most-significant-digit radix sort beats comparison sorting about threefold,
// which matters for start-up time.
func sortPostings(list []posting) []posting {
	radixSort(list, make([]posting, len(list)), 0)
	return slices.Compact(list)
}

// radixSort sorts a, whose keys agree on their first depth bytes, using tmp
// (same length) as scratch.
func radixSort(a, tmp []posting, depth int) {
	if len(a) < 24 {
		slices.SortFunc(a, func(x, y posting) int {
			if c := strings.Compare(x.key[depth:], y.key[depth:]); c != 0 {
				return c
			}
			return cmp.Compare(x.id, y.id)
		})
		return
	}
	// Bucket 0 holds keys that end at depth; bucket b+1 those whose byte is b.
	var count [257]int
	for i := range a {
		count[bucket(a[i].key, depth)]++
	}
	var start [257]int
	sum := 0
	for b, n := range count {
		start[b] = sum
		sum += n
	}
	next := start
	for i := range a {
		b := bucket(a[i].key, depth)
		tmp[next[b]] = a[i]
		next[b]++
	}
	copy(a, tmp)
	// Keys in bucket 0 are equal: order them by id.
	slices.SortFunc(a[:count[0]], func(x, y posting) int { return cmp.Compare(x.id, y.id) })
	for b := 1; b < 257; b++ {
		if count[b] > 1 {
			lo, hi := start[b], start[b]+count[b]
			radixSort(a[lo:hi], tmp[lo:hi], depth+1)
		}
	}
}

func bucket(key string, depth int) int {
	if depth >= len(key) {
		return 0
	}
	return int(key[depth]) + 1
}

// candidate is a match before it becomes a Match.
type candidate struct {
	id   int32
	tier uint8
}

// searcher holds the scratch of one search; pooled so searches do not allocate it.
type searcher struct {
	ix    *searchIndex
	kind  int // kind rank to keep, or -1 for all
	limit int
	top   []candidate // best first, at most limit
	in    []uint64    // bit set of ids in top
}

var searcherPool = sync.Pool{New: func() any { return new(searcher) }}

// less orders candidates: tier, then (for exact codes) kind, then population
// (larger first), kind, id.
func (s *searcher) less(a, b candidate) bool {
	if a.tier != b.tier {
		return a.tier < b.tier
	}
	ka, kb := s.ix.kind[a.id], s.ix.kind[b.id]
	if a.tier == tierCode && ka != kb {
		return ka < kb
	}
	if pa, pb := s.ix.pop[a.id], s.ix.pop[b.id]; pa != pb {
		return pa > pb
	}
	if ka != kb {
		return ka < kb
	}
	return a.id < b.id
}

// full reports whether nothing of tier t or weaker can enter the results.
func (s *searcher) full(t uint8) bool {
	return len(s.top) == s.limit && s.top[len(s.top)-1].tier < t
}

func (s *searcher) offer(c candidate) {
	if s.kind >= 0 && int(s.ix.kind[c.id]) != s.kind {
		return
	}
	n := len(s.top)
	if n == s.limit && !s.less(c, s.top[n-1]) {
		return
	}
	if s.in[c.id>>6]&(1<<(c.id&63)) != 0 {
		// Already in: keep the stronger of the two. One scan mixes tiers
		// (postal code "75001" sorts before INSEE code "75056"), so the
		// stronger may come second.
		old := slices.IndexFunc(s.top, func(o candidate) bool { return o.id == c.id })
		if !s.less(c, s.top[old]) {
			return
		}
		s.top = slices.Delete(s.top, old, old+1)
		n--
	}
	at := sort.Search(n, func(i int) bool { return s.less(c, s.top[i]) })
	if n == s.limit { // drop the weakest
		out := s.top[n-1].id
		s.in[out>>6] &^= 1 << (out & 63)
		s.top = s.top[:n-1]
	}
	s.top = slices.Insert(s.top, at, c)
	s.in[c.id>>6] |= 1 << (c.id & 63)
}

// prefixRange returns the bounds of the postings whose key starts with q.
func prefixRange(list []posting, q string) (lo, hi int) {
	lo = sort.Search(len(list), func(i int) bool { return list[i].key >= q })
	hi = lo + sort.Search(len(list)-lo, func(i int) bool { return !strings.HasPrefix(list[lo+i].key, q) })
	return lo, hi
}

// scan offers every posting whose key starts with q.
func (s *searcher) scan(list []posting, q string) {
	lo, hi := prefixRange(list, q)
	for i := lo; i < hi; i++ {
		p := list[i]
		t := p.tier
		if len(p.key) != len(q) {
			t = prefixTier(t)
		}
		s.offer(candidate{p.id, t})
	}
}

// Search finds territories whose name, code or postal code matches q,
// ignoring case, accents, hyphens and apostrophes, and accepting prefixes
// ("prats de" finds Prats-de-Mollo-la-Preste). kind restricts the results
// to one level ("" for all). limit ≤ 0 means DefaultLimit; it is capped at
// MaxLimit. Results are ranked by Tier, then population. An empty query,
// or one longer than any name, finds nothing.
func (r *Referential) Search(q string, kind Kind, limit int) []Match {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	if len(q) > maxQueryBytes {
		return nil
	}
	s := searcherPool.Get().(*searcher)
	defer searcherPool.Put(s)
	var qbuf [64]byte
	nq := normalizeQuery(qbuf[:0], q)
	// Longer than every name and code, a query matches nothing; refusing it
	// early also bounds the work a hostile query can cause.
	if len(nq) == 0 || len(nq) > r.index.max {
		return nil
	}
	query := string(nq)
	s.ix, s.limit, s.kind, s.top = &r.index, limit, -1, s.top[:0]
	if kind != "" {
		if !kind.Valid() {
			return nil
		}
		s.kind = kind.rank()
	}
	if words := (len(r.all) + 63) / 64; len(s.in) != words {
		s.in = make([]uint64, words)
	}

	s.scan(r.index.codes, query)
	s.scan(r.index.names, query)
	if !s.full(tierWordPrefix) {
		s.scan(r.index.words, query)
	}
	if !s.full(tierWords) && strings.IndexByte(query, ' ') > 0 {
		s.scanWords(query)
	}

	out := make([]Match, len(s.top))
	for i, c := range s.top {
		out[i] = Match{Territory: r.all[c.id], Reason: tiers[c.tier], Tier: int(c.tier)}
		s.in[c.id>>6] = 0 // leave the bit set clean for the next search
	}
	return out
}

// scanWords finds names holding every query word as a word prefix, in any
// order. Candidates come from the query word that starts the fewest words;
// the others are checked. Repeated words count once, and a query of more
// than maxWords distinct words is not tried: no name has that many, and it
// bounds the work.
func (s *searcher) scanWords(query string) {
	const maxWords = 12
	var buf [maxWords]string
	words := buf[:0]
	for w := range strings.SplitSeq(query, " ") {
		if slices.Contains(words, w) {
			continue
		}
		if len(words) == maxWords {
			return
		}
		words = append(words, w)
	}
	if len(words) < 2 {
		return
	}
	type span struct{ nlo, nhi, wlo, whi int }
	best, bestSize := span{}, -1
	for _, w := range words {
		var sp span
		sp.nlo, sp.nhi = prefixRange(s.ix.names, w)
		sp.wlo, sp.whi = prefixRange(s.ix.words, w)
		if size := sp.nhi - sp.nlo + sp.whi - sp.wlo; bestSize < 0 || size < bestSize {
			best, bestSize = sp, size
		}
	}
	check := func(list []posting) {
		for _, p := range list {
			name := s.ix.norm[p.id]
			ok := true
			for _, w := range words {
				if !hasWordPrefix(name, w) {
					ok = false
					break
				}
			}
			if ok {
				s.offer(candidate{p.id, tierWords})
			}
		}
	}
	check(s.ix.names[best.nlo:best.nhi])
	check(s.ix.words[best.wlo:best.whi])
}
