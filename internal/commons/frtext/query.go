package frtext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Query limits: longer queries are refused with a clear message.
const (
	MaxQueryRunes = 200
	MaxClauses    = 10
)

// Atom is one search unit: a term, a prefix, or a phrase (several terms in a row).
type Atom struct {
	Terms  []string
	Prefix bool // the last term is a prefix
}

// Clause is satisfied when any of its atoms matches (words joined by OR).
type Clause struct {
	Alts []Atom
}

// Query is a parsed search: every clause must match and no excluded atom may.
type Query struct {
	Must []Clause
	Not  []Atom
}

// QueryError explains why a query was refused.
type QueryError struct {
	FR, EN string
}

func (e *QueryError) Error() string { return e.EN }

// Parse reads a search as people type it: words (all required), "quoted phrases", prefix*
// (at least two letters), -excluded words, and OR (or OU, or |) between alternatives. Case,
// accents, stop words and inflections do not matter. Text between unbalanced quotes runs to the
// end. An empty result (only stop words) means "no text condition".
func Parse(q string) (Query, error) {
	if n := utf8.RuneCountInString(q); n > MaxQueryRunes {
		return Query{}, &QueryError{
			FR: fmt.Sprintf("La recherche fait %d caractères ; %d au plus.", n, MaxQueryRunes),
			EN: fmt.Sprintf("The search is %d characters long; at most %d.", n, MaxQueryRunes)}
	}
	var out Query
	orNext := false
	i := 0
	for i < len(q) {
		r, size := utf8.DecodeRuneInString(q[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		if r == '|' {
			orNext = len(out.Must) > 0
			i += size
			continue
		}
		neg := false
		if r == '-' {
			neg = true
			i += size
			if i >= len(q) {
				break
			}
			r, size = utf8.DecodeRuneInString(q[i:])
		}
		var atom Atom
		var ok bool
		if r == '"' {
			end := strings.IndexByte(q[i+1:], '"')
			var text string
			if end < 0 {
				text, i = q[i+1:], len(q)
			} else {
				text, i = q[i+1:i+1+end], i+1+end+1
			}
			prefix := false
			if i < len(q) && q[i] == '*' {
				prefix = true
				i++
			}
			atom, ok = phrase(text, prefix)
		} else {
			j := i
			for j < len(q) {
				r2, s2 := utf8.DecodeRuneInString(q[j:])
				if unicode.IsSpace(r2) || r2 == '"' || r2 == '|' {
					break
				}
				j += s2
			}
			word := q[i:j]
			i = j
			if !neg && (word == "OR" || word == "OU") {
				orNext = len(out.Must) > 0
				continue
			}
			prefix := strings.HasSuffix(word, "*")
			atom, ok = phrase(strings.TrimRight(word, "*"), prefix)
		}
		if !ok {
			continue
		}
		switch {
		case neg:
			out.Not = append(out.Not, atom)
			orNext = false
		case orNext:
			last := &out.Must[len(out.Must)-1]
			last.Alts = append(last.Alts, atom)
			orNext = false
		default:
			out.Must = append(out.Must, Clause{Alts: []Atom{atom}})
		}
	}
	if len(out.Must)+len(out.Not) > MaxClauses {
		return Query{}, &QueryError{
			FR: fmt.Sprintf("La recherche compte %d mots ou expressions ; %d au plus.", len(out.Must)+len(out.Not), MaxClauses),
			EN: fmt.Sprintf("The search has %d words or phrases; at most %d.", len(out.Must)+len(out.Not), MaxClauses)}
	}
	return out, nil
}

// phrase analyses the words of one query unit. A prefix keeps its last word unstemmed (unless
// its stem is shorter and starts it: "énergies*" looks for "energ…") and is kept even if it is
// a stop word, but needs two characters.
func phrase(text string, prefix bool) (Atom, bool) {
	var words []string
	Words(text, func(w string) bool { words = append(words, w); return true })
	var a Atom
	for k, w := range words {
		if prefix && k == len(words)-1 {
			if len(w) < 2 {
				prefix = false
				continue
			}
			if s := Stem(w); strings.HasPrefix(w, s) {
				w = s
			}
			a.Terms = append(a.Terms, w)
			a.Prefix = true
			continue
		}
		if t, ok := Term(w); ok {
			a.Terms = append(a.Terms, t)
		}
	}
	return a, len(a.Terms) > 0
}

// Empty reports whether the query sets no text condition.
func (q Query) Empty() bool { return len(q.Must) == 0 && len(q.Not) == 0 }

// Terms lists the searched terms and prefixes, for highlighting.
func (q Query) Terms() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range q.Must {
		for _, a := range c.Alts {
			for _, t := range a.Terms {
				if !seen[t] {
					seen[t] = true
					out = append(out, t)
				}
			}
		}
	}
	return out
}

// String writes the query back in its normalised form, for cache keys and logs.
func (q Query) String() string {
	var b strings.Builder
	for i, c := range q.Must {
		if i > 0 {
			b.WriteByte(' ')
		}
		for j, a := range c.Alts {
			if j > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString(a.String())
		}
	}
	for _, a := range q.Not {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("-" + a.String())
	}
	return b.String()
}

func (a Atom) String() string {
	s := strings.Join(a.Terms, " ")
	if len(a.Terms) > 1 {
		s = `"` + s + `"`
	}
	if a.Prefix {
		s += "*"
	}
	return s
}

// Matches reports whether the atom occurs in a token sequence (as Terms produced it).
func (a Atom) Matches(tokens []string) bool {
	n := len(a.Terms)
	for i := 0; i+n <= len(tokens); i++ {
		ok := true
		for k, t := range a.Terms {
			tok := tokens[i+k]
			if k == n-1 && a.Prefix {
				if !strings.HasPrefix(tok, t) {
					ok = false
					break
				}
			} else if tok != t {
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

// FTS5 returns the MATCH expression for SQLite of the required clauses and exclusions, or ""
// when the query has no required clause (see NotFTS5).
func (q Query) FTS5() string {
	if len(q.Must) == 0 {
		return ""
	}
	var b strings.Builder
	for i, c := range q.Must {
		if i > 0 {
			b.WriteString(" AND ")
		}
		writeAltsFTS5(&b, c.Alts)
	}
	if len(q.Not) > 0 {
		b.WriteString(" NOT ")
		writeAltsFTS5(&b, q.Not)
	}
	return b.String()
}

// NotFTS5 returns the exclusions as one expression matching any of them ("" if none).
func (q Query) NotFTS5() string {
	if len(q.Not) == 0 {
		return ""
	}
	var b strings.Builder
	writeAltsFTS5(&b, q.Not)
	return b.String()
}

func writeAltsFTS5(b *strings.Builder, alts []Atom) {
	if len(alts) > 1 {
		b.WriteByte('(')
	}
	for j, a := range alts {
		if j > 0 {
			b.WriteString(" OR ")
		}
		// Tokens are [a-z0-9]+: quoting them is enough.
		b.WriteByte('"')
		b.WriteString(strings.Join(a.Terms, " "))
		b.WriteByte('"')
		if a.Prefix {
			b.WriteString(" *")
		}
	}
	if len(alts) > 1 {
		b.WriteByte(')')
	}
}

// TSQuery returns the to_tsquery text for PostgreSQL of the required clauses and exclusions,
// or "" when the query has no required clause (see NotTSQuery).
func (q Query) TSQuery() string {
	if len(q.Must) == 0 {
		return ""
	}
	var b strings.Builder
	for i, c := range q.Must {
		if i > 0 {
			b.WriteString(" & ")
		}
		writeAltsTS(&b, c.Alts)
	}
	if len(q.Not) > 0 {
		b.WriteString(" & !")
		writeAltsTS(&b, q.Not)
	}
	return b.String()
}

// NotTSQuery returns the exclusions as one tsquery matching any of them ("" if none).
func (q Query) NotTSQuery() string {
	if len(q.Not) == 0 {
		return ""
	}
	var b strings.Builder
	writeAltsTS(&b, q.Not)
	return b.String()
}

func writeAltsTS(b *strings.Builder, alts []Atom) {
	b.WriteByte('(')
	for j, a := range alts {
		if j > 0 {
			b.WriteString(" | ")
		}
		b.WriteByte('(')
		for k, t := range a.Terms {
			if k > 0 {
				b.WriteString(" <-> ")
			}
			b.WriteString("'" + t + "'")
			if a.Prefix && k == len(a.Terms)-1 {
				b.WriteString(":*")
			}
		}
		b.WriteByte(')')
	}
	b.WriteByte(')')
}
