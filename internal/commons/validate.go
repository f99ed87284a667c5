package commons

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// Limits of a resource's fields.
const (
	MaxTitle        = 200
	MaxSummary      = 300
	MaxBody         = 200_000
	MaxListItems    = 50
	MaxLinkURL      = 2000
	MaxShortText    = 500
	MaxComment      = 300
	MaxActorName    = 200
	MaxDescription  = 50_000
	MaxAttachment   = 20 << 20
	MaxAttachments  = 30
	defaultKind     = "autre"
	defaultMaturity = "idee"
)

// problems collects field errors so a form shows them all at once.
type problems struct{ e *errs.Error }

func (p *problems) add(field, fr, en string) {
	if p.e == nil {
		p.e = &errs.Error{Code: errs.Invalid}
	}
	p.e.Details = append(p.e.Details, errs.Detail{Field: field, Message: i18n.T(fr, en)})
}

func (p *problems) err() error {
	if p.e == nil {
		return nil
	}
	n := len(p.e.Details)
	p.e.Message = i18n.T(
		fmt.Sprintf("La saisie contient %d erreur(s) : %s", n, p.e.Details[0].Message.FR),
		fmt.Sprintf("The input has %d error(s): %s", n, p.e.Details[0].Message.EN))
	return p.e
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// cleanText trims, turns CRLF into LF and removes NUL and other control characters except
// tabs and line breaks (they break CSV readers and some databases).
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

func cleanLine(s string) string {
	return strings.Join(strings.Fields(cleanText(s)), " ")
}

// ParsePlace reads a territory as typed: "commune:29039", "epci:242900769", "departement:29",
// "region:53", or a bare code (5 characters: commune, 9 digits: EPCI, 2 or 3: département).
func ParsePlace(ref *territory.Referential, s string) (Place, error) {
	s = strings.TrimSpace(s)
	// "Concarneau (commune:29039)" as shown on pages is accepted too.
	if i := strings.LastIndexByte(s, '('); i >= 0 && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[i+1 : len(s)-1])
	}
	kindText, code, hasKind := strings.Cut(s, ":")
	var kind territory.Kind
	if hasKind {
		k, err := territory.ParseKind(kindText)
		if err != nil {
			return Place{}, fmt.Errorf("type de territoire inconnu « %s » (commune, epci, departement, region) / unknown territory kind", kindText)
		}
		kind = k
	} else {
		code = s
		switch n := len(code); {
		case n == 5:
			kind = territory.Commune
		case n == 9:
			kind = territory.EPCI
		case n == 2 || n == 3:
			kind = territory.Departement
		default:
			return Place{}, fmt.Errorf("code de territoire non reconnu « %s » : écrivez par exemple commune:29039 / unrecognised territory code", s)
		}
	}
	t, ok := ref.Get(kind, strings.TrimSpace(code))
	if !ok {
		return Place{}, fmt.Errorf("aucun territoire %s avec le code « %s » / no %s with code %q", kind, strings.TrimSpace(code), kind, strings.TrimSpace(code))
	}
	return Place{Kind: string(t.Kind), Code: t.Code}, nil
}

func checkURL(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > MaxLinkURL {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", false
	}
	return u.String(), true
}

// summarize derives a summary from the body when none is given: its first sentences, at most
// MaxSummary characters, cut at a word.
func summarize(bodyText string) string {
	s := strings.Join(strings.Fields(bodyText), " ")
	if runes(s) <= MaxSummary {
		return s
	}
	r := []rune(s)[:MaxSummary-1]
	cut := string(r)
	if i := strings.LastIndexAny(cut, ".!?"); i > MaxSummary/2 {
		return cut[:i+1]
	}
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return cut + "…"
}

// normalize checks and completes the fields of a resource: defaults, known codes, territories
// of the referential, existing actors (resolved by the caller through actorName). It returns
// an Invalid error listing every problem.
func normalize(f *Fields, ref *territory.Referential, actorName func(slug string) (string, bool)) error {
	var p problems
	f.Title = cleanLine(f.Title)
	switch n := runes(f.Title); {
	case n < 3:
		p.add("title", "Le titre est obligatoire (3 caractères au moins).", "The title is required (at least 3 characters).")
	case n > MaxTitle:
		p.add("title", fmt.Sprintf("Le titre fait %d caractères ; %d au plus.", n, MaxTitle), fmt.Sprintf("The title is %d characters long; at most %d.", n, MaxTitle))
	}
	f.Body = cleanText(f.Body)
	if n := runes(f.Body); n > MaxBody {
		p.add("body", fmt.Sprintf("Le texte fait %d caractères ; %d au plus.", n, MaxBody), fmt.Sprintf("The text is %d characters long; at most %d.", n, MaxBody))
	}
	f.Summary = cleanLine(f.Summary)
	if f.Summary == "" {
		f.Summary = summarize(markup.PlainText(f.Body))
	}
	if n := runes(f.Summary); n > MaxSummary {
		p.add("summary", fmt.Sprintf("Le résumé fait %d caractères ; %d au plus.", n, MaxSummary), fmt.Sprintf("The summary is %d characters long; at most %d.", n, MaxSummary))
	}
	f.Kind = strings.TrimSpace(f.Kind)
	if f.Kind == "" {
		f.Kind = defaultKind
	}
	if !Kinds.Has(f.Kind) {
		p.add("kind", "Type inconnu « "+f.Kind+" » : "+strings.Join(Kinds.Codes(), ", ")+".", "Unknown kind \""+f.Kind+"\": "+strings.Join(Kinds.Codes(), ", ")+".")
	}
	if l, ok := NormalizeLicence(f.Licence); ok {
		f.Licence = l
	} else {
		p.add("licence", "Licence inconnue « "+f.Licence+" » : "+strings.Join(Licences.Codes(), ", ")+".", "Unknown licence \""+f.Licence+"\": "+strings.Join(Licences.Codes(), ", ")+".")
	}
	f.Maturity = strings.TrimSpace(f.Maturity)
	if f.Maturity == "" {
		f.Maturity = defaultMaturity
	}
	if !Maturities.Has(f.Maturity) {
		p.add("maturity", "Maturité inconnue « "+f.Maturity+" » : "+strings.Join(Maturities.Codes(), ", ")+".", "Unknown maturity \""+f.Maturity+"\": "+strings.Join(Maturities.Codes(), ", ")+".")
	}
	f.Status = strings.TrimSpace(f.Status)
	if f.Status == "" {
		f.Status = StatusPublished
	}
	if !Statuses.Has(f.Status) {
		p.add("status", "Statut inconnu « "+f.Status+" » : "+strings.Join(Statuses.Codes(), ", ")+".", "Unknown status \""+f.Status+"\": "+strings.Join(Statuses.Codes(), ", ")+".")
	}
	// Themes: known codes, each once, in the order of the note.
	seen := map[string]bool{}
	for _, t := range f.Themes {
		t = strings.TrimSpace(t)
		if !Themes.Has(t) {
			p.add("themes", "Thème inconnu « "+t+" ».", "Unknown theme \""+t+"\".")
			continue
		}
		seen[t] = true
	}
	f.Themes = []string{}
	for _, t := range Themes {
		if seen[t.Code] {
			f.Themes = append(f.Themes, t.Code)
		}
	}
	// Territories.
	places := []Place{}
	seenPlace := map[string]bool{}
	for _, pl := range f.Territories {
		in := pl.Kind + ":" + pl.Code
		if pl.Kind == "" {
			in = pl.Code
		}
		got, err := ParsePlace(ref, in)
		if err != nil {
			fr, en, _ := strings.Cut(err.Error(), " / ")
			p.add("territories", strings.ToUpper(fr[:1])+fr[1:]+".", "Territory: "+en+".")
			continue
		}
		if !seenPlace[got.Key()] {
			seenPlace[got.Key()] = true
			places = append(places, got)
		}
	}
	if len(places) > MaxListItems {
		p.add("territories", fmt.Sprintf("%d territoires au plus.", MaxListItems), fmt.Sprintf("At most %d territories.", MaxListItems))
	}
	f.Territories = places
	// Contributors.
	contribs := []Contribution{}
	seenC := map[string]bool{}
	for i, c := range f.Contributors {
		c.Actor = strings.TrimSpace(c.Actor)
		c.Role = strings.TrimSpace(c.Role)
		if c.Actor == "" {
			continue
		}
		if c.Role == "" {
			c.Role = "contributeur"
		}
		if !Roles.Has(c.Role) {
			p.add("contributors", fmt.Sprintf("Contributeur %d : rôle inconnu « %s ».", i+1, c.Role), fmt.Sprintf("Contributor %d: unknown role %q.", i+1, c.Role))
			continue
		}
		name, ok := actorName(c.Actor)
		if !ok {
			p.add("contributors", fmt.Sprintf("Contributeur %d : aucun acteur « %s ». Créez d'abord sa fiche dans Acteurs.", i+1, c.Actor), fmt.Sprintf("Contributor %d: no actor %q. Create it under Actors first.", i+1, c.Actor))
			continue
		}
		c.Name = name
		if !seenC[c.Actor+"|"+c.Role] {
			seenC[c.Actor+"|"+c.Role] = true
			contribs = append(contribs, c)
		}
	}
	if len(contribs) > MaxListItems {
		p.add("contributors", fmt.Sprintf("%d contributeurs au plus.", MaxListItems), fmt.Sprintf("At most %d contributors.", MaxListItems))
	}
	f.Contributors = contribs
	// Links.
	links := []Link{}
	for i, l := range f.Links {
		l.URL, l.Label, l.Type = strings.TrimSpace(l.URL), cleanLine(l.Label), strings.TrimSpace(l.Type)
		if l.URL == "" && l.Label == "" {
			continue
		}
		u, ok := checkURL(l.URL)
		if !ok {
			p.add("links", fmt.Sprintf("Lien %d : adresse invalide « %s » (http:// ou https:// attendu).", i+1, l.URL), fmt.Sprintf("Link %d: invalid address %q (http:// or https:// expected).", i+1, l.URL))
			continue
		}
		l.URL = u
		if l.Label == "" {
			pu, _ := url.Parse(u)
			l.Label = pu.Host
		}
		if runes(l.Label) > MaxTitle {
			p.add("links", fmt.Sprintf("Lien %d : libellé trop long (%d caractères au plus).", i+1, MaxTitle), fmt.Sprintf("Link %d: label too long (at most %d characters).", i+1, MaxTitle))
		}
		if l.Type == "" {
			l.Type = "site"
		}
		if !LinkTypes.Has(l.Type) {
			p.add("links", fmt.Sprintf("Lien %d : type inconnu « %s ».", i+1, l.Type), fmt.Sprintf("Link %d: unknown type %q.", i+1, l.Type))
			continue
		}
		links = append(links, l)
	}
	if len(links) > MaxListItems {
		p.add("links", fmt.Sprintf("%d liens au plus.", MaxListItems), fmt.Sprintf("At most %d links.", MaxListItems))
	}
	f.Links = links
	// Needs.
	needs := []Need{}
	for i, n := range f.Needs {
		n.Type, n.Text = strings.TrimSpace(n.Type), cleanLine(n.Text)
		if n.Text == "" && (n.Type == "" || n.Type == "autre") {
			continue
		}
		if n.Type == "" {
			n.Type = "autre"
		}
		if !NeedTypes.Has(n.Type) {
			p.add("needs", fmt.Sprintf("Besoin %d : type inconnu « %s ».", i+1, n.Type), fmt.Sprintf("Need %d: unknown type %q.", i+1, n.Type))
			continue
		}
		if runes(n.Text) > MaxShortText {
			p.add("needs", fmt.Sprintf("Besoin %d : %d caractères au plus.", i+1, MaxShortText), fmt.Sprintf("Need %d: at most %d characters.", i+1, MaxShortText))
		}
		needs = append(needs, n)
	}
	if len(needs) > MaxListItems {
		p.add("needs", fmt.Sprintf("%d besoins au plus.", MaxListItems), fmt.Sprintf("At most %d needs.", MaxListItems))
	}
	f.Needs = needs
	return p.err()
}

// normalizeActor checks and completes an actor's fields.
func normalizeActor(f *ActorFields, ref *territory.Referential) error {
	var p problems
	f.Name = cleanLine(f.Name)
	switch n := runes(f.Name); {
	case n < 2:
		p.add("name", "Le nom est obligatoire (2 caractères au moins).", "The name is required (at least 2 characters).")
	case n > MaxActorName:
		p.add("name", fmt.Sprintf("Le nom fait %d caractères ; %d au plus.", n, MaxActorName), fmt.Sprintf("The name is %d characters long; at most %d.", n, MaxActorName))
	}
	f.Kind = strings.TrimSpace(f.Kind)
	if !ActorKinds.Has(f.Kind) {
		p.add("kind", "Type d'acteur inconnu « "+f.Kind+" » : "+strings.Join(ActorKinds.Codes(), ", ")+".", "Unknown actor kind \""+f.Kind+"\": "+strings.Join(ActorKinds.Codes(), ", ")+".")
	}
	if f.Territory != nil && (f.Territory.Code != "" || f.Territory.Kind != "") {
		in := f.Territory.Kind + ":" + f.Territory.Code
		if f.Territory.Kind == "" {
			in = f.Territory.Code
		}
		pl, err := ParsePlace(ref, in)
		if err != nil {
			fr, en, _ := strings.Cut(err.Error(), " / ")
			p.add("territory", strings.ToUpper(fr[:1])+fr[1:]+".", "Territory: "+en+".")
		} else {
			f.Territory = &pl
		}
	} else {
		f.Territory = nil
	}
	f.Website = strings.TrimSpace(f.Website)
	if f.Website != "" {
		u, ok := checkURL(f.Website)
		if !ok {
			p.add("website", "Adresse du site invalide (http:// ou https:// attendu).", "Invalid website address (http:// or https:// expected).")
		}
		f.Website = u
	}
	f.Description = cleanText(f.Description)
	if n := runes(f.Description); n > MaxDescription {
		p.add("description", fmt.Sprintf("La description fait %d caractères ; %d au plus.", n, MaxDescription), fmt.Sprintf("The description is %d characters long; at most %d.", n, MaxDescription))
	}
	return p.err()
}

// reservedSlugs would collide with fixed pages.
var reservedSlugs = []string{"nouvelle", "nouveau", "export", "recherche"}

// Slugify turns a title into a URL segment: folded, words joined by hyphens, at most 80
// characters cut at a word.
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range markup.Fold(title) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	s := b.String()
	if len(s) > 80 {
		s = s[:80]
		if i := strings.LastIndexByte(s, '-'); i > 20 {
			s = s[:i]
		}
	}
	if s == "" || slices.Contains(reservedSlugs, s) {
		s = strings.TrimPrefix(s+"-1", "-")
		if s == "1" {
			s = "sans-titre"
		}
	}
	return s
}
