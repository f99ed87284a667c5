package commons

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/fabrique-des-energies/fabrique/internal/commons/frtext"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// Search is split in two so both stores give the same answer:
//
//   - the store's full-text engine (FTS5 or tsvector) says which resources match the text,
//     both indexing the tokens frtext produced;
//   - an in-memory snapshot of the searchable resources (published or archived, not hidden)
//     applies the filters, counts the facets and ranks, in Go, identically for both.
//
// Every write increments commons_generation; each search reads it and reloads the snapshot
// when it changed, so several instances on one PostgreSQL stay consistent. Full-text answers
// are cached per snapshot.

// Search limits.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	cacheEntries = 256
)

// ancestors returns the "kind:code" keys of a territory and of every territory containing it.
func (s *Service) ancestors(p Place) []string {
	out := []string{p.Key()}
	t, ok := s.terr.Get(territory.Kind(p.Kind), p.Code)
	if !ok {
		return out
	}
	for _, a := range s.terr.Parents(t) {
		out = append(out, string(a.Kind)+":"+a.Code)
	}
	return out
}

type index struct {
	s       *Service
	mu      sync.Mutex // one reload at a time
	snap    atomic.Pointer[snapshot]
	noCache bool // benchmarks measure the engines without the answer cache
}

type entry struct {
	id                        int64
	slug, title, summary      string
	kind, licence, maturity   int8
	status                    string
	themes                    uint16
	places                    []int32 // interned ancestor-or-self territory keys
	facetPlaces               []int32 // the départements and régions among them
	essential, example        bool
	updated                   time.Time
	titleToks, summaryToks    []uint32 // interned tokens (see snapshot.vocab)
	archived                  bool
	source                    string
	themeCodes                []string
	licenceCode, maturityCode string
	kindCode                  string
}

type snapshot struct {
	gen     int64
	entries []entry
	pos     []int32  // pos[resource id] is the entry's index, -1 when not searchable
	places  []string // interned keys
	placeID map[string]int32
	facet   []bool            // interned key is a département or a région (territory facet)
	vocab   map[string]uint32 // title and summary tokens, from 1
	words   []string          // words[id] is the token of id (words[0] unused)
	// titlePost[id] and summaryPost[id] list the entries whose title or summary has the token.
	titlePost, summaryPost [][]int32
	// placeSet[id] is a bitset of the entries inside the interned place id:
	// a territory filter tests one bit instead of scanning each entry's places.
	placeSet [][]uint64

	cacheMu sync.Mutex
	cache   map[string][]int32
	results map[string]*SearchResult // whole answers, by normalised parameters
}

func (s *Service) generation(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.R.QueryRowContext(ctx, `SELECT n FROM commons_generation WHERE id = 1`).Scan(&n)
	return n, err
}

// current returns a snapshot as fresh as the store.
func (x *index) current(ctx context.Context) (*snapshot, error) {
	gen, err := x.s.generation(ctx)
	if err != nil {
		return nil, err
	}
	if sn := x.snap.Load(); sn != nil && sn.gen == gen {
		return sn, nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if sn := x.snap.Load(); sn != nil && sn.gen >= gen {
		return sn, nil
	}
	sn, err := x.load(ctx)
	if err != nil {
		return nil, err
	}
	x.snap.Store(sn)
	return sn, nil
}

// Invalidate drops the snapshot (tests that write behind the service's back).
func (s *Service) Invalidate() { s.idx.snap.Store(nil) }

func (x *index) load(ctx context.Context) (*snapshot, error) {
	s := x.s
	// Read the generation first: a write landing during the load makes the next search reload.
	gen, err := s.generation(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT r.id, r.slug, r.title, r.summary, r.kind, r.licence, r.maturity, r.status, r.themes, r.territories,
		r.essential, r.example, r.updated_at, r.title_terms, r.summary_terms, COALESCE(h.name, '')
		FROM resources r LEFT JOIN harvest_sources h ON h.id = r.source_id
		WHERE r.hidden = $1 AND r.status IN ($2, $3)`, false, StatusPublished, StatusArchived)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sn := &snapshot{gen: gen, placeID: map[string]int32{}, cache: map[string][]int32{}, results: map[string]*SearchResult{},
		vocab: map[string]uint32{}, words: []string{""}}
	tokens := func(s string) []uint32 {
		fs := strings.Fields(s)
		out := make([]uint32, len(fs))
		for i, w := range fs {
			id, ok := sn.vocab[w]
			if !ok {
				id = uint32(len(sn.words))
				sn.vocab[w] = id
				sn.words = append(sn.words, w)
			}
			out[i] = id
		}
		return out
	}
	intern := func(key string) int32 {
		if id, ok := sn.placeID[key]; ok {
			return id
		}
		id := int32(len(sn.places))
		sn.places = append(sn.places, key)
		sn.placeID[key] = id
		sn.facet = append(sn.facet, strings.HasPrefix(key, "departement:") || strings.HasPrefix(key, "region:"))
		return id
	}
	ancestorCache := map[string][]int32{}
	for rows.Next() {
		var e entry
		var themes, places, tt, st string
		if err := rows.Scan(&e.id, &e.slug, &e.title, &e.summary, &e.kindCode, &e.licenceCode, &e.maturityCode, &e.status, &themes, &places,
			&e.essential, &e.example, &e.updated, &tt, &st, &e.source); err != nil {
			return nil, err
		}
		e.kind, e.licence, e.maturity = int8(Kinds.index(e.kindCode)), int8(Licences.index(e.licenceCode)), int8(Maturities.index(e.maturityCode))
		if err := json.Unmarshal([]byte(themes), &e.themeCodes); err != nil {
			return nil, fmt.Errorf("resource %d themes: %w", e.id, err)
		}
		for _, t := range e.themeCodes {
			if i := Themes.index(t); i >= 0 {
				e.themes |= 1 << i
			}
		}
		var ps []Place
		if err := json.Unmarshal([]byte(places), &ps); err != nil {
			return nil, fmt.Errorf("resource %d territories: %w", e.id, err)
		}
		for _, p := range ps {
			ids, ok := ancestorCache[p.Key()]
			if !ok {
				for _, k := range s.ancestors(p) {
					ids = append(ids, intern(k))
				}
				ancestorCache[p.Key()] = ids
			}
			for _, id := range ids {
				if !slices.Contains(e.places, id) {
					e.places = append(e.places, id)
				}
			}
		}
		for _, pl := range e.places {
			if sn.facet[pl] {
				e.facetPlaces = append(e.facetPlaces, pl)
			}
		}
		e.titleToks, e.summaryToks = tokens(tt), tokens(st)
		e.archived = e.status == StatusArchived
		sn.entries = append(sn.entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Default order: curated commons first, then the most recently updated.
	sort.Slice(sn.entries, func(i, j int) bool {
		a, b := &sn.entries[i], &sn.entries[j]
		if a.essential != b.essential {
			return a.essential
		}
		if !a.updated.Equal(b.updated) {
			return a.updated.After(b.updated)
		}
		return a.id > b.id
	})
	var maxID int64
	for i := range sn.entries {
		maxID = max(maxID, sn.entries[i].id)
	}
	sn.pos = make([]int32, maxID+1)
	for i := range sn.pos {
		sn.pos[i] = -1
	}
	for i := range sn.entries {
		sn.pos[sn.entries[i].id] = int32(i)
	}
	sn.placeSet = make([][]uint64, len(sn.places))
	words := (len(sn.entries) + 63) / 64
	for i := range sn.entries {
		for _, pl := range sn.entries[i].places {
			if sn.placeSet[pl] == nil {
				sn.placeSet[pl] = make([]uint64, words)
			}
			sn.placeSet[pl][i>>6] |= 1 << (i & 63)
		}
	}
	// Postings of title and summary tokens, for ranking.
	sn.titlePost = make([][]int32, len(sn.words))
	sn.summaryPost = make([][]int32, len(sn.words))
	for i := range sn.entries {
		e := &sn.entries[i]
		for _, t := range e.titleToks {
			if l := sn.titlePost[t]; len(l) == 0 || l[len(l)-1] != int32(i) {
				sn.titlePost[t] = append(l, int32(i))
			}
		}
		for _, t := range e.summaryToks {
			if l := sn.summaryPost[t]; len(l) == 0 || l[len(l)-1] != int32(i) {
				sn.summaryPost[t] = append(l, int32(i))
			}
		}
	}
	return sn, nil
}

// ftsIDs asks the store's full-text engine which resources match an expression (in the
// dialect's syntax). One aggregated row keeps large answers cheap.
func (s *Service) ftsIDs(ctx context.Context, expr string) ([]int64, error) {
	var list string
	var err error
	if s.db.Dialect == db.Postgres {
		err = s.db.R.QueryRowContext(ctx, `SELECT COALESCE(string_agg(resource_id::text, ','), '') FROM resource_fts WHERE doc @@ to_tsquery('fabrique_fr', $1)`, expr).Scan(&list)
	} else {
		err = s.db.R.QueryRowContext(ctx, `SELECT COALESCE(group_concat(rowid), '') FROM resource_fts WHERE resource_fts MATCH $1`, expr).Scan(&list)
	}
	if err != nil {
		return nil, fmt.Errorf("full-text search %q: %w", expr, err)
	}
	if list == "" {
		return nil, nil
	}
	out := make([]int64, 0, strings.Count(list, ",")+1)
	for len(list) > 0 {
		var part string
		part, list, _ = strings.Cut(list, ",")
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// atomSet returns the snapshot positions (ascending: default order) of the resources whose
// text contains one atom (word, prefix or phrase), as the store's full-text engine says. Atoms
// are cached per snapshot, so searches sharing a word ask the engine once.
func (sn *snapshot) atomSet(ctx context.Context, s *Service, a frtext.Atom) ([]int32, error) {
	one := frtext.Query{Must: []frtext.Clause{{Alts: []frtext.Atom{a}}}}
	expr := one.FTS5()
	if s.db.Dialect == db.Postgres {
		expr = one.TSQuery()
	}
	sn.cacheMu.Lock()
	got, ok := sn.cache[expr]
	sn.cacheMu.Unlock()
	if ok && !s.idx.noCache {
		return got, nil
	}
	ids, err := s.ftsIDs(ctx, expr)
	if err != nil {
		return nil, err
	}
	out := make([]int32, 0, len(ids))
	for _, id := range ids {
		if id >= 0 && id < int64(len(sn.pos)) && sn.pos[id] >= 0 {
			out = append(out, sn.pos[id])
		}
	}
	slices.Sort(out)
	sn.cacheMu.Lock()
	if len(sn.cache) >= cacheEntries {
		clear(sn.cache)
	}
	sn.cache[expr] = out
	sn.cacheMu.Unlock()
	return out, nil
}

// union, intersect and subtract combine ascending position lists into new ones.
func union(a, b []int32) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

func intersect(a, b []int32) []int32 {
	out := make([]int32, 0, min(len(a), len(b)))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

func subtract(a, b []int32) []int32 {
	out := make([]int32, 0, len(a))
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j < len(b) && b[j] == x {
			continue
		}
		out = append(out, x)
	}
	return out
}

// anyOf is the union of the atoms' sets.
func (sn *snapshot) anyOf(ctx context.Context, s *Service, atoms []frtext.Atom) ([]int32, error) {
	var out []int32
	for i, a := range atoms {
		set, err := sn.atomSet(ctx, s, a)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			out = set
			continue
		}
		out = union(out, set)
	}
	return out, nil
}

// match returns the positions of the resources matching every clause of q and none of its
// exclusions: the engine answers each atom, the boolean combination is done here, the same
// way for both stores.
func (sn *snapshot) match(ctx context.Context, s *Service, q frtext.Query) ([]int32, error) {
	var res []int32
	for i, c := range q.Must {
		set, err := sn.anyOf(ctx, s, c.Alts)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			res = set
		} else {
			res = intersect(res, set)
		}
		if len(res) == 0 {
			return res, nil
		}
	}
	if len(q.Not) > 0 {
		excl, err := sn.anyOf(ctx, s, q.Not)
		if err != nil {
			return nil, err
		}
		res = subtract(res, excl)
	}
	return res, nil
}

// SearchParams are the criteria of a search: text and filters (empty: any), page.
type SearchParams struct {
	Q         string
	Kind      string
	Theme     string
	Licence   string
	Maturity  string
	Territory string // "kind:code" (or a bare code, see ParsePlace): that territory and all inside it
	Status    string // "" (published), StatusArchived, or "toutes" (both)
	Page      int    // from 1
	Limit     int    // 1..MaxLimit, default DefaultLimit
}

// Hit is one resource found.
type Hit struct {
	ID        int64
	Slug      string
	Title     string
	Summary   string
	Kind      string
	Licence   string
	Maturity  string
	Status    string
	Themes    []string
	Essential bool
	Example   bool
	UpdatedAt time.Time
	Source    string // name of the catalogue it was harvested from
	Score     int
	// TitleHTML and SummaryHTML are escaped text with the matched words in <mark>; Excerpt is a
	// passage of the body around a match, when a term matched only there.
	TitleHTML, SummaryHTML, Excerpt template.HTML
}

// FacetValue is one value of a facet with how many resources it would give.
type FacetValue struct {
	Code     string
	Label    i18n.Text
	Count    int
	Selected bool
}

// Facets count the resources per value, each facet ignoring its own filter.
type Facets struct {
	Kind, Theme, Licence, Maturity, Territory []FacetValue
}

// SearchResult is a page of hits with the total and the facets.
type SearchResult struct {
	Params SearchParams
	Query  frtext.Query
	Total  int
	Pages  int
	Hits   []Hit
	Facets Facets
}

const (
	dimKind = iota
	dimTheme
	dimLicence
	dimMaturity
	dimTerritory
	dims
)

type filter struct {
	kind, licence, maturity int8 // -1: any
	theme                   int  // -1: any
	place                   int32
	hasPlace                bool
	inPlace                 []uint64 // entries inside place (nil: none)
	published, archived     bool     // statuses searched
}

func (s *Service) parseParams(p *SearchParams, sn *snapshot) (filter, frtext.Query, error) {
	f := filter{kind: -1, licence: -1, maturity: -1, theme: -1}
	var pr problems
	one := func(field string, opts Options, v string, dst *int8) {
		v = strings.TrimSpace(v)
		if v == "" {
			return
		}
		if field == "licence" {
			if c, ok := NormalizeLicence(v); ok {
				v = c
			}
		}
		i := opts.index(v)
		if i < 0 {
			pr.add(field, "Valeur inconnue « "+v+" » pour "+field+" : "+strings.Join(opts.Codes(), ", ")+".",
				"Unknown value \""+v+"\" for "+field+": "+strings.Join(opts.Codes(), ", ")+".")
			return
		}
		*dst = int8(i)
	}
	one("kind", Kinds, p.Kind, &f.kind)
	one("licence", Licences, p.Licence, &f.licence)
	one("maturity", Maturities, p.Maturity, &f.maturity)
	var th int8 = -1
	one("theme", Themes, p.Theme, &th)
	f.theme = int(th)
	if t := strings.TrimSpace(p.Territory); t != "" {
		pl, err := ParsePlace(s.terr, t)
		if err != nil {
			fr, en, _ := strings.Cut(err.Error(), " / ")
			pr.add("territory", strings.ToUpper(fr[:1])+fr[1:]+".", "Territory: "+en+".")
		} else {
			p.Territory = pl.Key()
			f.hasPlace = true
			f.place = -1
			if id, ok := sn.placeID[pl.Key()]; ok {
				f.place = id
			}
		}
	}
	switch p.Status {
	case "", StatusPublished:
		f.published = true
	case StatusArchived:
		f.archived = true
	case "toutes", "all":
		f.published, f.archived = true, true
	default:
		pr.add("status", "Statut inconnu « "+p.Status+" » : publiee, archivee ou toutes.", "Unknown status \""+p.Status+"\": publiee, archivee or toutes.")
	}
	if p.Limit == 0 {
		p.Limit = DefaultLimit
	}
	if p.Limit < 1 || p.Limit > MaxLimit {
		pr.add("limit", fmt.Sprintf("« limit » doit être entre 1 et %d.", MaxLimit), fmt.Sprintf("\"limit\" must be between 1 and %d.", MaxLimit))
	}
	if p.Page == 0 {
		p.Page = 1
	}
	if p.Page < 1 {
		pr.add("page", "« page » commence à 1.", "\"page\" starts at 1.")
	}
	q, err := frtext.Parse(p.Q)
	if err != nil {
		var qe *frtext.QueryError
		if errors.As(err, &qe) {
			pr.add("q", qe.FR, qe.EN)
		}
	}
	return f, q, pr.err()
}

// fails returns a bit per facet dimension the entry (at index i) does not pass.
func (f *filter) fails(e *entry, i int32) uint8 {
	var m uint8
	if f.kind >= 0 && e.kind != f.kind {
		m |= 1 << dimKind
	}
	if f.theme >= 0 && e.themes&(1<<f.theme) == 0 {
		m |= 1 << dimTheme
	}
	if f.licence >= 0 && e.licence != f.licence {
		m |= 1 << dimLicence
	}
	if f.maturity >= 0 && e.maturity != f.maturity {
		m |= 1 << dimMaturity
	}
	if f.hasPlace && (f.inPlace == nil || f.inPlace[i>>6]&(1<<(i&63)) == 0) {
		m |= 1 << dimTerritory
	}
	return m
}

// catom is a query atom compiled against a snapshot's vocabulary: token ids, the last one
// possibly a prefix (matching any id in prefix).
type catom struct {
	ids    []uint32 // 0: a term absent from every title and summary
	prefix []bool   // for a prefix atom: prefix[id] tells whether words[id] starts with it
}

type cquery [][]catom // clauses of alternatives

func (sn *snapshot) compile(q *frtext.Query) cquery {
	out := make(cquery, len(q.Must))
	for i, c := range q.Must {
		for _, a := range c.Alts {
			ca := catom{ids: make([]uint32, len(a.Terms))}
			for k, t := range a.Terms {
				if a.Prefix && k == len(a.Terms)-1 {
					ca.prefix = make([]bool, len(sn.words))
					for id, w := range sn.words {
						ca.prefix[id] = id > 0 && strings.HasPrefix(w, t)
					}
					continue
				}
				ca.ids[k] = sn.vocab[t]
			}
			out[i] = append(out[i], ca)
		}
	}
	return out
}

// any reports whether some atom of the query occurs in the tokens.
func (q cquery) any(toks []uint32) bool {
	for _, alts := range q {
		for i := range alts {
			if alts[i].matches(toks) {
				return true
			}
		}
	}
	return false
}

func (a *catom) matches(toks []uint32) bool {
	n := len(a.ids)
	for i := 0; i+n <= len(toks); i++ {
		ok := true
		for k, id := range a.ids {
			tok := toks[i+k]
			if a.prefix != nil && k == n-1 {
				if !a.prefix[tok] {
					ok = false
					break
				}
			} else if tok != id {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// score ranks a hit: per clause, 4 when it matches the title, 2 the summary, 1 the body.
func score(q cquery, e *entry) int {
	total := 0
	for _, alts := range q {
		best := 1
		for i := range alts {
			if alts[i].matches(e.titleToks) {
				best = 4
				break
			}
			if best < 2 && alts[i].matches(e.summaryToks) {
				best = 2
			}
		}
		total += best
	}
	return total
}

// scores ranks the found entries (indexed by entry): single words through the title and
// summary postings, phrases and prefixes by looking at each found entry.
func (sn *snapshot) scores(q cquery, found []int32, sc *searchScratch) []uint8 {
	if cap(sc.total) < len(sn.entries) {
		sc.total, sc.mark = make([]uint8, len(sn.entries)), make([]uint8, len(sn.entries))
	}
	total, mark := sc.total[:len(sn.entries)], sc.mark[:len(sn.entries)]
	clear(total)
	for _, alts := range q {
		clear(mark)
		for k := range alts {
			a := &alts[k]
			if len(a.ids) == 1 && a.prefix == nil {
				if a.ids[0] == 0 {
					continue
				}
				for _, p := range sn.summaryPost[a.ids[0]] {
					mark[p] = max(mark[p], 2)
				}
				for _, p := range sn.titlePost[a.ids[0]] {
					mark[p] = 4
				}
				continue
			}
			for _, i := range found {
				e := &sn.entries[i]
				if mark[i] < 4 && a.matches(e.titleToks) {
					mark[i] = 4
				} else if mark[i] < 2 && a.matches(e.summaryToks) {
					mark[i] = 2
				}
			}
		}
		for _, i := range found {
			total[i] += max(mark[i], 1)
		}
	}
	return total
}

// searchScratch holds a search's working arrays, reused between searches.
type searchScratch struct {
	found, sorted []int32
	total, mark   []uint8
}

var scratchPool = sync.Pool{New: func() any { return new(searchScratch) }}

// Search finds published resources: French full text (see frtext.Parse for the syntax),
// filters, facets, ranking (title above summary above body, then curated and recent first) and
// one page of hits.
func (s *Service) Search(ctx context.Context, p SearchParams) (*SearchResult, error) {
	return s.search(ctx, p, false)
}

// SearchAll returns every hit in order (for exports), ignoring Page and Limit.
func (s *Service) SearchAll(ctx context.Context, p SearchParams) (*SearchResult, error) {
	return s.search(ctx, p, true)
}

func (s *Service) search(ctx context.Context, p SearchParams, all bool) (*SearchResult, error) {
	sn, err := s.idx.current(ctx)
	if err != nil {
		return nil, err
	}
	if all {
		p.Page, p.Limit = 1, MaxLimit
	}
	f, q, err := s.parseParams(&p, sn)
	if err != nil {
		return nil, err
	}
	if f.hasPlace && f.place >= 0 {
		f.inPlace = sn.placeSet[f.place]
	}
	// A snapshot never changes: the same normalised search gives the same answer.
	key := fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%d\x00%d", q.String(), p.Kind, p.Theme, p.Licence, p.Maturity, p.Territory, p.Status, p.Page, p.Limit)
	if !all && !s.idx.noCache {
		sn.cacheMu.Lock()
		res, ok := sn.results[key]
		sn.cacheMu.Unlock()
		if ok {
			return res, nil
		}
	}
	var cand []int32 // nil: every entry
	switch {
	case len(q.Must) > 0:
		if cand, err = sn.match(ctx, s, q); err != nil {
			return nil, err
		}
	case len(q.Not) > 0:
		excl, err := sn.anyOf(ctx, s, q.Not)
		if err != nil {
			return nil, err
		}
		cand = make([]int32, 0, len(sn.entries))
		k := 0
		for i := range sn.entries {
			if k < len(excl) && excl[k] == int32(i) {
				k++
				continue
			}
			cand = append(cand, int32(i))
		}
	}
	var counts [dims][]int
	counts[dimKind], counts[dimTheme], counts[dimLicence] = make([]int, len(Kinds)), make([]int, len(Themes)), make([]int, len(Licences))
	counts[dimMaturity], counts[dimTerritory] = make([]int, len(Maturities)), make([]int, len(sn.places))
	count := func(d int, e *entry) {
		switch d {
		case dimKind:
			if e.kind >= 0 {
				counts[d][e.kind]++
			}
		case dimLicence:
			if e.licence >= 0 {
				counts[d][e.licence]++
			}
		case dimMaturity:
			if e.maturity >= 0 {
				counts[d][e.maturity]++
			}
		case dimTheme:
			for b := e.themes; b != 0; b &= b - 1 {
				counts[d][bits.TrailingZeros16(b)]++
			}
		case dimTerritory:
			for _, pl := range e.facetPlaces {
				counts[d][pl]++
			}
		}
	}
	kinds, themes, licences, maturities, places := counts[dimKind], counts[dimTheme], counts[dimLicence], counts[dimMaturity], counts[dimTerritory]
	scratch := scratchPool.Get().(*searchScratch)
	defer scratchPool.Put(scratch)
	found := scratch.found[:0]
	defer func() { scratch.found = found[:0] }()
	visit := func(i int32) {
		e := &sn.entries[i]
		if e.archived && !f.archived || !e.archived && !f.published {
			return
		}
		m := f.fails(e, i)
		if m == 0 {
			found = append(found, i)
			if e.kind >= 0 {
				kinds[e.kind]++
			}
			if e.licence >= 0 {
				licences[e.licence]++
			}
			if e.maturity >= 0 {
				maturities[e.maturity]++
			}
			for b := e.themes; b != 0; b &= b - 1 {
				themes[bits.TrailingZeros16(b)]++
			}
			for _, pl := range e.facetPlaces {
				places[pl]++
			}
			return
		}
		if m&(m-1) == 0 { // one failed dimension: it still counts for that facet
			for d := 0; d < dims; d++ {
				if m == 1<<d {
					count(d, e)
				}
			}
		}
	}
	if cand == nil && len(q.Must) == 0 && len(q.Not) == 0 {
		for i := range sn.entries {
			visit(int32(i))
		}
	} else {
		for _, i := range cand {
			visit(i)
		}
	}
	res := &SearchResult{Params: p, Query: q, Total: len(found)}
	cq := sn.compile(&q)
	if len(q.Must) > 0 {
		// Bucket sort by score, highest first: equal scores keep the default order.
		scores := sn.scores(cq, found, scratch)
		// Counting sort by score, highest first: equal scores keep the default order.
		var start [4*frtext.MaxClauses + 2]int
		for _, i := range found {
			start[min(int(scores[i]), 4*frtext.MaxClauses)]++
		}
		pos := 0
		for sc := len(start) - 2; sc >= 0; sc-- {
			n := start[sc]
			start[sc] = pos
			pos += n
		}
		sorted := scratch.sorted
		if cap(sorted) < len(found) {
			sorted = make([]int32, len(found))
		}
		sorted = sorted[:len(found)]
		for _, i := range found {
			sc := min(int(scores[i]), 4*frtext.MaxClauses)
			sorted[start[sc]] = i
			start[sc]++
		}
		found, scratch.sorted = sorted, found
	}
	res.Pages = (res.Total + p.Limit - 1) / p.Limit
	from, to := (p.Page-1)*p.Limit, p.Page*p.Limit
	if all {
		from, to = 0, len(found)
	}
	from, to = min(from, len(found)), min(to, len(found))
	page := found[from:to]
	terms := q.Terms()
	for _, i := range page {
		e := &sn.entries[i]
		h := Hit{ID: e.id, Slug: e.slug, Title: e.title, Summary: e.summary, Kind: e.kindCode, Licence: e.licenceCode,
			Maturity: e.maturityCode, Status: e.status, Themes: e.themeCodes, Essential: e.essential, Example: e.example,
			UpdatedAt: e.updated.UTC(), Source: e.source}
		if len(q.Must) > 0 {
			h.Score = score(cq, e)
		}
		if !all {
			// Highlight only where a searched word is (known from the interned tokens).
			h.TitleHTML = template.HTML(template.HTMLEscapeString(e.title))
			h.SummaryHTML = template.HTML(template.HTMLEscapeString(e.summary))
			if cq.any(e.titleToks) {
				h.TitleHTML = markup.Highlight(e.title, terms, 0)
			}
			if cq.any(e.summaryToks) {
				h.SummaryHTML = markup.Highlight(e.summary, terms, 0)
			}
		}
		res.Hits = append(res.Hits, h)
	}
	if len(terms) > 0 && !all {
		if err := s.excerpts(ctx, res, &q, cq, sn); err != nil {
			return nil, err
		}
	}
	res.Facets = s.facets(sn, counts, &f)
	if !all && !s.idx.noCache {
		sn.cacheMu.Lock()
		if len(sn.results) >= cacheEntries {
			clear(sn.results)
		}
		sn.results[key] = res
		sn.cacheMu.Unlock()
	}
	return res, nil
}

// excerpts adds a body passage to hits where a searched term appears only in the body.
func (s *Service) excerpts(ctx context.Context, res *SearchResult, q *frtext.Query, cq cquery, sn *snapshot) error {
	var ids []any
	for _, h := range res.Hits {
		e := &sn.entries[sn.pos[h.ID]] // hits come from the snapshot
		for _, alts := range cq {
			inHead := false
			for i := range alts {
				if alts[i].matches(e.titleToks) || alts[i].matches(e.summaryToks) {
					inHead = true
					break
				}
			}
			if !inHead {
				ids = append(ids, h.ID)
				break
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, body_text FROM resources WHERE id IN (`+db.Placeholders(1, len(ids))+`)`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	bodies := map[int64]string{}
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return err
		}
		bodies[id] = body
	}
	if err := rows.Err(); err != nil {
		return err
	}
	terms := q.Terms()
	for i := range res.Hits {
		if b, ok := bodies[res.Hits[i].ID]; ok && b != "" {
			res.Hits[i].Excerpt = excerpt(b, terms, 240)
		}
	}
	return nil
}

// excerpt returns, as escaped HTML, about max characters of text around the first word a
// term starts, every word starting with a term in <mark>, "…" where the text is cut. It does
// what markup.Highlight does for titles, in one pass over a window of the text: bodies are long
// and the search page shows up to twenty of them.
func excerpt(text string, terms []string, max int) template.HTML {
	at := 0
	if m := frtext.FirstMatch(text, terms); m > 0 {
		at = m
	}
	// Only the runes around the match are needed: converting a whole body
	// would cost a copy four times its size on every result.
	lo := at - max/3 - 1
	if lo < 0 {
		lo = 0
	}
	runes, atEnd := runeWindow(text, lo, at+max+1)
	at -= lo
	from := at - max/3
	if from <= 0 {
		from = 0
	} else {
		for from < at && !unicode.IsSpace(runes[from-1]) {
			from++
		}
	}
	to := from + max
	if to >= len(runes) {
		to = len(runes)
	} else {
		for to > at && !unicode.IsSpace(runes[to]) {
			to--
		}
	}
	cutBefore, cutAfter := lo+from > 0, to < len(runes) || !atEnd
	var b strings.Builder
	if cutBefore {
		b.WriteString("… ")
	}
	var word []rune
	var folded []byte
	space := false
	flush := func() {
		if len(word) == 0 {
			return
		}
		folded = folded[:0]
		for _, r := range word {
			folded = frtext.AppendFolded(folded, r)
		}
		hit := false
		for _, t := range terms {
			if len(folded) >= len(t) && string(folded[:len(t)]) == t {
				hit = true
				break
			}
		}
		if hit {
			b.WriteString("<mark>")
		}
		b.WriteString(template.HTMLEscapeString(string(word)))
		if hit {
			b.WriteString("</mark>")
		}
		word = word[:0]
	}
	for _, r := range runes[from:to] {
		if frtext.IsWordRune(r) {
			if space {
				b.WriteByte(' ')
				space = false
			}
			word = append(word, r)
			continue
		}
		flush()
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteString(template.HTMLEscapeString(string(r)))
	}
	flush()
	if cutAfter {
		b.WriteString(" …")
	}
	return template.HTML(b.String())
}

// runeWindow returns the runes of text from rune index lo to hi (excluded)
// and whether the window reaches the end of the text.
func runeWindow(text string, lo, hi int) ([]rune, bool) {
	out := make([]rune, 0, hi-lo)
	i := 0
	for _, r := range text {
		if i >= hi {
			return out, false
		}
		if i >= lo {
			out = append(out, r)
		}
		i++
	}
	return out, true
}

func (s *Service) facets(sn *snapshot, counts [dims][]int, f *filter) Facets {
	list := func(opts Options, c []int, sel int) []FacetValue {
		out := []FacetValue{}
		for i, o := range opts {
			if c[i] > 0 || i == sel {
				out = append(out, FacetValue{Code: o.Code, Label: o.Label, Count: c[i], Selected: i == sel})
			}
		}
		return out
	}
	var fs Facets
	fs.Kind = list(Kinds, counts[dimKind], int(f.kind))
	fs.Theme = list(Themes, counts[dimTheme], f.theme)
	fs.Licence = list(Licences, counts[dimLicence], int(f.licence))
	fs.Maturity = list(Maturities, counts[dimMaturity], int(f.maturity))
	fs.Territory = []FacetValue{}
	for id, n := range counts[dimTerritory] {
		if n == 0 {
			continue
		}
		key := sn.places[id]
		kind, code, _ := strings.Cut(key, ":")
		name := code
		if t, ok := s.terr.Get(territory.Kind(kind), code); ok {
			name = t.Name
		}
		fs.Territory = append(fs.Territory, FacetValue{Code: key, Label: i18n.T(name+" ("+code+")", name+" ("+code+")"), Count: n,
			Selected: f.hasPlace && int32(id) == f.place})
	}
	sort.Slice(fs.Territory, func(i, j int) bool {
		a, b := fs.Territory[i], fs.Territory[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Code < b.Code
	})
	if len(fs.Territory) > 20 {
		fs.Territory = fs.Territory[:20]
	}
	return fs
}

// Exists reports whether a slug names a resource (for tests and seeders).
func (s *Service) Exists(ctx context.Context, slug string) (bool, error) {
	var id int64
	err := s.db.R.QueryRowContext(ctx, `SELECT id FROM resources WHERE slug = $1`, slug).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// CountResources counts every resource row (for tests and reports).
func (s *Service) CountResources(ctx context.Context) (int, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT count(*) FROM resources`).Scan(&n)
	return n, err
}
