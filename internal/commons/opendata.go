package commons

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

type obj = map[string]any

// schemaType is the schema.org type of a resource kind.
func schemaType(kind string) string {
	switch kind {
	case "donnees":
		return "Dataset"
	case "logiciel":
		return "SoftwareSourceCode"
	}
	return "CreativeWork"
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ResourceJSONLD is the schema.org description embedded in a resource's page.
func (s *Service) ResourceJSONLD(r *Resource) (template.JS, error) {
	url := s.baseURL + "/ressources/" + r.Slug
	l := labels{s.terr}
	d := obj{"@context": "https://schema.org", "@type": schemaType(r.Kind), "@id": url, "url": url, "name": r.Title,
		"description": r.Summary, "inLanguage": "fr", "dateCreated": rfc3339(r.CreatedAt), "dateModified": rfc3339(r.UpdatedAt),
		"version": strconv.Itoa(r.Revision), "genre": Kinds.Label(r.Kind).FR, "creativeWorkStatus": Maturities.Label(r.Maturity).FR,
		"isAccessibleForFree": true}
	if uri := l.LicenceURI(r.Licence); uri != "" {
		d["license"] = uri
	}
	var kw []string
	for _, t := range r.Themes {
		kw = append(kw, Themes.Label(t).FR)
	}
	if len(kw) > 0 {
		d["keywords"] = kw
	}
	var places []obj
	for _, p := range r.Territories {
		places = append(places, obj{"@type": "AdministrativeArea", "name": l.PlaceName(p), "identifier": p.Key(), "url": s.baseURL + l.PlaceHref(p)})
	}
	if len(places) > 0 {
		d["spatialCoverage"] = places
	}
	var contribs []obj
	for _, c := range r.Contributors {
		contribs = append(contribs, obj{"@type": "Organization", "name": c.Name, "url": s.baseURL + "/acteurs/" + c.Actor})
	}
	if len(contribs) > 0 {
		d["contributor"] = contribs
	}
	var sameAs []string
	for _, li := range r.Links {
		sameAs = append(sameAs, li.URL)
	}
	if len(sameAs) > 0 {
		d["sameAs"] = sameAs
	}
	var files []obj
	for _, a := range r.Attachments {
		files = append(files, obj{"@type": "DataDownload", "name": a.Filename, "contentUrl": s.baseURL + attachmentPath(r.Slug, a),
			"encodingFormat": a.ContentType, "contentSize": strconv.FormatInt(a.Size, 10)})
	}
	if len(files) > 0 {
		if r.Kind == "donnees" {
			d["distribution"] = files
		} else {
			d["associatedMedia"] = files
		}
	}
	if r.Source != nil {
		d["isBasedOn"] = r.Source.RemoteURI
	}
	b, err := json.Marshal(d)
	return template.JS(b), err
}

// ActorJSONLD is the schema.org description embedded in an actor's page.
func (s *Service) ActorJSONLD(a *Actor) (template.JS, error) {
	typ := "Organization"
	if a.Kind == "citoyen" {
		typ = "Person"
	}
	url := s.baseURL + "/acteurs/" + a.Slug
	d := obj{"@context": "https://schema.org", "@type": typ, "@id": url, "url": url, "name": a.Name}
	if a.Website != "" {
		d["sameAs"] = a.Website
	}
	if a.Territory != nil {
		d["areaServed"] = obj{"@type": "AdministrativeArea", "name": labels{s.terr}.PlaceName(*a.Territory), "identifier": a.Territory.Key()}
	}
	b, err := json.Marshal(d)
	return template.JS(b), err
}

// CatalogPageSize is how many datasets one page of the catalogue holds.
const CatalogPageSize = 500

// catalogWhere selects what the catalogue publishes: this site's own published resources
// (harvested ones belong to their source's catalogue, which avoids loops between sites).
const catalogWhere = `r.hidden = $1 AND r.status = $2 AND r.source_id IS NULL`

// CatalogPage returns one page of the catalogue's resources and the total.
func (s *Service) CatalogPage(ctx context.Context, page int) ([]*Resource, int, error) {
	var total int
	if err := s.db.R.QueryRowContext(ctx, `SELECT count(*) FROM resources r WHERE `+catalogWhere, false, StatusPublished).Scan(&total); err != nil {
		return nil, 0, err
	}
	list, err := s.listResources(ctx, catalogWhere, []any{false, StatusPublished}, `r.id`, CatalogPageSize, (page-1)*CatalogPageSize)
	return list, total, err
}

var catalogContext = obj{
	"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
	"skos": "http://www.w3.org/2004/02/skos/core#", "xsd": "http://www.w3.org/2001/XMLSchema#", "owl": "http://www.w3.org/2002/07/owl#",
	"hydra": "http://www.w3.org/ns/hydra/core#", "schema": "https://schema.org/",
}

func dateTime(t time.Time) obj { return obj{"@value": rfc3339(t), "@type": "xsd:dateTime"} }

// DatasetJSONLD describes one resource as a DCAT-AP dataset.
func (s *Service) DatasetJSONLD(r *Resource) obj {
	l := labels{s.terr}
	page := s.baseURL + "/ressources/" + r.Slug
	d := obj{"@id": page, "@type": "dcat:Dataset", "dct:identifier": r.Slug, "dct:title": r.Title, "dct:description": r.Summary,
		"schema:text": r.Body, "dct:type": r.Kind, "dct:language": obj{"@id": "http://publications.europa.eu/resource/authority/language/FRA"},
		"dct:issued": dateTime(r.CreatedAt), "dct:modified": dateTime(r.UpdatedAt), "dcat:landingPage": obj{"@id": page},
		"owl:versionInfo": strconv.Itoa(r.Revision), "schema:creativeWorkStatus": r.Maturity}
	if uri := l.LicenceURI(r.Licence); uri != "" {
		d["dct:license"] = obj{"@id": uri}
	}
	themes, keywords := []obj{}, []string{Kinds.Label(r.Kind).FR}
	for _, t := range r.Themes {
		themes = append(themes, obj{"@id": s.baseURL + "/ressources?theme=" + t, "skos:prefLabel": Themes.Label(t).FR, "skos:notation": t})
		keywords = append(keywords, Themes.Label(t).FR)
	}
	d["dcat:theme"], d["dcat:keyword"] = themes, keywords
	spatial := []obj{}
	for _, p := range r.Territories {
		spatial = append(spatial, obj{"@id": s.baseURL + l.PlaceHref(p), "dct:identifier": p.Key(), "skos:prefLabel": l.PlaceName(p)})
	}
	d["dct:spatial"] = spatial
	agents := []obj{}
	for _, c := range r.Contributors {
		agents = append(agents, obj{"@id": s.baseURL + "/acteurs/" + c.Actor, "@type": "foaf:Agent", "foaf:name": c.Name, "schema:roleName": c.Role})
	}
	d["dct:contributor"] = agents
	dists := []obj{}
	for _, li := range r.Links {
		dists = append(dists, obj{"@type": "dcat:Distribution", "dcat:accessURL": obj{"@id": li.URL}, "dct:title": li.Label, "dct:type": li.Type})
	}
	for _, a := range r.Attachments {
		u := s.baseURL + attachmentPath(r.Slug, a)
		dists = append(dists, obj{"@type": "dcat:Distribution", "dcat:accessURL": obj{"@id": u}, "dcat:downloadURL": obj{"@id": u},
			"dct:title": a.Filename, "dcat:mediaType": a.ContentType, "dcat:byteSize": obj{"@value": strconv.FormatInt(a.Size, 10), "@type": "xsd:nonNegativeInteger"}})
	}
	d["dcat:distribution"] = dists
	return d
}

func catalogPageParam(r *http.Request) (int, error) { return web.QueryInt(r, "page", 1, 1, 1000000) }

func (h *Handlers) catalogJSONLD(w http.ResponseWriter, r *http.Request) error {
	page, err := catalogPageParam(r)
	if err != nil {
		return err
	}
	list, total, err := h.s.CatalogPage(r.Context(), page)
	if err != nil {
		return err
	}
	base := h.s.baseURL
	sets := []obj{}
	modified := time.Time{}
	for _, res := range list {
		sets = append(sets, h.s.DatasetJSONLD(res))
		if res.UpdatedAt.After(modified) {
			modified = res.UpdatedAt
		}
	}
	doc := obj{"@context": catalogContext, "@id": base + "/catalog.jsonld", "@type": "dcat:Catalog",
		"dct:title": "Fabrique des Énergies — centre de ressources", "dct:description": "Communs ouverts des communautés énergétiques : méthodes, outils, publications, données.",
		"dct:publisher": obj{"@type": "foaf:Agent", "foaf:name": "Fabrique des Énergies", "foaf:homepage": obj{"@id": base + "/"}},
		"dct:language":  obj{"@id": "http://publications.europa.eu/resource/authority/language/FRA"}, "foaf:homepage": obj{"@id": base + "/ressources"},
		"dcat:dataset": sets}
	if !modified.IsZero() {
		doc["dct:modified"] = dateTime(modified)
	}
	view := obj{"@id": fmt.Sprintf("%s/catalog.jsonld?page=%d", base, page), "@type": "hydra:PartialCollectionView", "hydra:totalItems": total}
	if page*CatalogPageSize < total {
		view["hydra:next"] = obj{"@id": fmt.Sprintf("%s/catalog.jsonld?page=%d", base, page+1)}
	}
	if page > 1 {
		view["hydra:previous"] = obj{"@id": fmt.Sprintf("%s/catalog.jsonld?page=%d", base, page-1)}
	}
	doc["hydra:view"] = view
	w.Header().Set("Content-Type", "application/ld+json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(doc)
}

// ---- Turtle ----

// iri writes an IRI reference, percent-encoding what Turtle does not allow inside <>.
func iri(s string) string {
	var b strings.Builder
	b.WriteByte('<')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || strings.IndexByte("<>\"{}|^`\\", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('>')
	return b.String()
}

// lit writes a Turtle string literal.
func lit(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04X`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (h *Handlers) catalogTurtle(w http.ResponseWriter, r *http.Request) error {
	page, err := catalogPageParam(r)
	if err != nil {
		return err
	}
	list, total, err := h.s.CatalogPage(r.Context(), page)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/turtle; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	var b strings.Builder
	b.WriteString("@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n" +
		"@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n" +
		"@prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n@prefix schema: <https://schema.org/> .\n\n")
	base := h.s.baseURL
	cat := iri(base + "/catalog.ttl")
	fmt.Fprintf(&b, "%s a dcat:Catalog ;\n  dct:title %s@fr ;\n  dct:description %s@fr ;\n  dct:publisher [ a foaf:Agent ; foaf:name %s ] ;\n  dct:language <http://publications.europa.eu/resource/authority/language/FRA> ;\n  foaf:homepage %s",
		cat, lit("Fabrique des Énergies — centre de ressources"), lit("Communs ouverts des communautés énergétiques : méthodes, outils, publications, données."),
		lit("Fabrique des Énergies"), iri(base+"/ressources"))
	for _, res := range list {
		fmt.Fprintf(&b, " ;\n  dcat:dataset %s", iri(base+"/ressources/"+res.Slug))
	}
	b.WriteString(" .\n\n")
	fmt.Fprintf(&b, "%s a hydra:PartialCollectionView ;\n  hydra:totalItems %d", iri(fmt.Sprintf("%s/catalog.ttl?page=%d", base, page)), total)
	if page*CatalogPageSize < total {
		fmt.Fprintf(&b, " ;\n  hydra:next %s", iri(fmt.Sprintf("%s/catalog.ttl?page=%d", base, page+1)))
	}
	b.WriteString(" .\n")
	l := labels{h.s.terr}
	for _, res := range list {
		page := base + "/ressources/" + res.Slug
		fmt.Fprintf(&b, "\n%s a dcat:Dataset ;\n  dct:identifier %s ;\n  dct:title %s@fr ;\n  dct:description %s@fr ;\n  schema:text %s@fr ;\n  dct:type %s ;\n",
			iri(page), lit(res.Slug), lit(res.Title), lit(res.Summary), lit(res.Body), lit(res.Kind))
		fmt.Fprintf(&b, "  dct:issued %s^^xsd:dateTime ;\n  dct:modified %s^^xsd:dateTime ;\n  dcat:landingPage %s ;\n  owl:versionInfo %s ;\n  schema:creativeWorkStatus %s",
			lit(rfc3339(res.CreatedAt)), lit(rfc3339(res.UpdatedAt)), iri(page), lit(strconv.Itoa(res.Revision)), lit(res.Maturity))
		if uri := l.LicenceURI(res.Licence); uri != "" {
			fmt.Fprintf(&b, " ;\n  dct:license %s", iri(uri))
		}
		for _, t := range res.Themes {
			fmt.Fprintf(&b, " ;\n  dcat:theme %s ;\n  dcat:keyword %s@fr", iri(base+"/ressources?theme="+t), lit(Themes.Label(t).FR))
		}
		for _, p := range res.Territories {
			fmt.Fprintf(&b, " ;\n  dct:spatial [ dct:identifier %s ; skos:prefLabel %s@fr ; owl:sameAs %s ]", lit(p.Key()), lit(l.PlaceName(p)), iri(base+l.PlaceHref(p)))
		}
		for _, c := range res.Contributors {
			fmt.Fprintf(&b, " ;\n  dct:contributor [ a foaf:Agent ; foaf:name %s ; schema:roleName %s ; owl:sameAs %s ]", lit(c.Name), lit(c.Role), iri(base+"/acteurs/"+c.Actor))
		}
		for _, li := range res.Links {
			fmt.Fprintf(&b, " ;\n  dcat:distribution [ a dcat:Distribution ; dcat:accessURL %s ; dct:title %s ; dct:type %s ]", iri(li.URL), lit(li.Label), lit(li.Type))
		}
		for _, a := range res.Attachments {
			u := base + attachmentPath(res.Slug, a)
			fmt.Fprintf(&b, " ;\n  dcat:distribution [ a dcat:Distribution ; dcat:accessURL %s ; dcat:downloadURL %s ; dct:title %s ; dcat:mediaType %s ; dcat:byteSize %s^^xsd:nonNegativeInteger ]",
				iri(u), iri(u), lit(a.Filename), lit(a.ContentType), lit(strconv.FormatInt(a.Size, 10)))
		}
		b.WriteString(" .\n")
	}
	_, err = w.Write([]byte(b.String()))
	return err
}

// ---- CSV ----

// CSVHeader is the column set of /resources.csv.
var CSVHeader = []string{"slug", "url", "titre", "resume", "texte", "type", "licence", "themes", "territoires", "contributeurs",
	"liens", "maturite", "besoins", "commun_essentiel", "statut", "exemple", "revision", "cree_le", "modifie_le", "source"}

// CSVRow writes one resource as a row of /resources.csv.
func (s *Service) CSVRow(r *Resource) []string {
	join := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return strings.Join(parts, " | ")
	}
	source := ""
	if r.Source != nil {
		source = r.Source.SourceName
	}
	return []string{r.Slug, s.baseURL + "/ressources/" + r.Slug, safeCell(r.Title), safeCell(r.Summary), safeCell(r.Body), r.Kind, r.Licence,
		strings.Join(r.Themes, " | "),
		join(len(r.Territories), func(i int) string { return r.Territories[i].Key() }),
		safeCell(join(len(r.Contributors), func(i int) string { return r.Contributors[i].Name + " (" + r.Contributors[i].Role + ")" })),
		safeCell(join(len(r.Links), func(i int) string { return r.Links[i].URL })),
		r.Maturity,
		safeCell(join(len(r.Needs), func(i int) string { return r.Needs[i].Type + ": " + r.Needs[i].Text })),
		strconv.FormatBool(r.Essential), r.Status, strconv.FormatBool(r.Example), strconv.Itoa(r.Revision),
		rfc3339(r.CreatedAt), rfc3339(r.UpdatedAt), safeCell(source)}
}

func (h *Handlers) resourcesCSV(w http.ResponseWriter, r *http.Request) error {
	p, err := searchParams(r)
	if err != nil {
		return err
	}
	res, err := h.s.SearchAll(r.Context(), p)
	if err != nil {
		return err
	}
	ids := make([]int64, len(res.Hits))
	for i, hit := range res.Hits {
		ids[i] = hit.ID
	}
	cw := startCSV(w, "ressources.csv")
	_ = cw.Write(CSVHeader)
	for start := 0; start < len(ids); start += 500 {
		list, err := h.s.resourcesByIDs(r.Context(), ids[start:min(start+500, len(ids))])
		if err != nil {
			return err
		}
		for _, x := range list {
			_ = cw.Write(h.s.CSVRow(x))
		}
	}
	cw.Flush()
	return cw.Error()
}

func (h *Handlers) actorsCSV(w http.ResponseWriter, r *http.Request) error {
	list, err := h.s.Actors(r.Context(), actorFilter(r))
	if err != nil {
		return err
	}
	cw := startCSV(w, "acteurs.csv")
	_ = cw.Write([]string{"slug", "url", "nom", "type", "territoire", "site", "description", "exemple", "revision", "cree_le", "modifie_le"})
	for _, a := range list {
		place := ""
		if a.Territory != nil {
			place = a.Territory.Key()
		}
		_ = cw.Write([]string{a.Slug, h.s.baseURL + "/acteurs/" + a.Slug, safeCell(a.Name), a.Kind, place, a.Website, safeCell(a.Description),
			strconv.FormatBool(a.Example), strconv.Itoa(a.Revision), rfc3339(a.CreatedAt), rfc3339(a.UpdatedAt)})
	}
	cw.Flush()
	return cw.Error()
}

// ---- Atom ----

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomEntry struct {
	Title      string         `xml:"title"`
	ID         string         `xml:"id"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Links      []atomLink     `xml:"link"`
	Summary    atomText       `xml:"summary"`
	Authors    []atomPerson   `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Rights     string         `xml:"rights,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

// FeedSize is how many resources the Atom feed lists.
const FeedSize = 50

func (h *Handlers) feed(w http.ResponseWriter, r *http.Request) error {
	list, err := h.s.listResources(r.Context(), `r.hidden = $1 AND r.status = $2`, []any{false, StatusPublished}, `r.updated_at DESC, r.id DESC`, FeedSize, 0)
	if err != nil {
		return err
	}
	base := h.s.baseURL
	f := atomFeed{Lang: "fr", Title: "Fabrique des Énergies — nouvelles ressources et mises à jour", ID: base + "/feed.atom",
		Updated: rfc3339(time.Unix(0, 0)), Author: atomPerson{Name: "Fabrique des Énergies", URI: base + "/"},
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + "/feed.atom"}, {Rel: "alternate", Type: "text/html", Href: base + "/ressources"}}}
	if len(list) > 0 {
		f.Updated = rfc3339(list[0].UpdatedAt)
	}
	for _, res := range list {
		page := base + "/ressources/" + res.Slug
		e := atomEntry{Title: res.Title, ID: page, Updated: rfc3339(res.UpdatedAt), Published: rfc3339(res.CreatedAt),
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: page}, {Rel: "related", Type: "application/json", Href: base + "/api/v1/resources/" + res.Slug}},
			Summary: atomText{Type: "text", Body: res.Summary}, Rights: Licences.Label(res.Licence).FR}
		for _, c := range res.Contributors {
			e.Authors = append(e.Authors, atomPerson{Name: c.Name, URI: base + "/acteurs/" + c.Actor})
		}
		if len(e.Authors) == 0 {
			e.Authors = []atomPerson{{Name: "Fabrique des Énergies"}}
		}
		e.Categories = append(e.Categories, atomCategory{Term: res.Kind, Label: Kinds.Label(res.Kind).FR})
		for _, t := range res.Themes {
			e.Categories = append(e.Categories, atomCategory{Term: t, Label: Themes.Label(t).FR})
		}
		f.Entries = append(f.Entries, e)
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if _, err := w.Write([]byte(xml.Header)); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	return enc.Encode(f)
}
