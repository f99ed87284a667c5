package mediawiki

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

// WriteExport writes a synthetic export in the Special:Export 0.11 format, for tests and
// benchmarks: a French wiki about local energy and mobility commons with the given number of
// pages (a few of them redirects or category pages) and of revisions per page. Page texts use
// headings, bold and italic, internal and external links, lists, tables, templates, references
// and categories, and change from revision to revision; authors are registered users or IP
// addresses; timestamps increase; checksums and sizes are those of the texts. The same seed gives
// the same bytes.
func WriteExport(w io.Writer, pages, revisionsPerPage int, seed uint64) error {
	if pages < 0 || revisionsPerPage < 1 {
		return fmt.Errorf("mediawiki: WriteExport needs pages >= 0 and revisionsPerPage >= 1")
	}
	g := &generator{
		rnd:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		bw:    bufio.NewWriterSize(w, 256<<10),
		clock: time.Date(2014, 3, 1, 9, 0, 0, 0, time.UTC),
	}
	g.titles = g.makeTitles(pages)
	g.header()
	revID := int64(1000)
	for p := range pages {
		g.page(p, revisionsPerPage, &revID)
		if g.err != nil {
			return g.err
		}
	}
	g.printf("</mediawiki>\n")
	if g.err != nil {
		return g.err
	}
	return g.bw.Flush()
}

type generator struct {
	rnd    *rand.Rand
	bw     *bufio.Writer
	err    error
	clock  time.Time
	titles []string
}

func (g *generator) printf(format string, args ...any) {
	if g.err == nil {
		_, g.err = fmt.Fprintf(g.bw, format, args...)
	}
}

func (g *generator) pick(list []string) string { return list[g.rnd.IntN(len(list))] }

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func (g *generator) header() {
	g.printf(`<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.11/ http://www.mediawiki.org/xml/export-0.11.xsd" version="0.11" xml:lang="fr">
  <siteinfo>
    <sitename>Wiki des fabriques</sitename>
    <dbname>wikifabriques</dbname>
    <base>https://wiki.fabriques.example/wiki/Accueil</base>
    <generator>MediaWiki 1.39.6</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="-2" case="first-letter">Média</namespace>
      <namespace key="-1" case="first-letter">Spécial</namespace>
      <namespace key="0" case="first-letter" />
      <namespace key="1" case="first-letter">Discussion</namespace>
      <namespace key="2" case="first-letter">Utilisateur</namespace>
      <namespace key="4" case="first-letter">Wiki des fabriques</namespace>
      <namespace key="6" case="first-letter">Fichier</namespace>
      <namespace key="10" case="first-letter">Modèle</namespace>
      <namespace key="12" case="first-letter">Aide</namespace>
      <namespace key="14" case="first-letter">Catégorie</namespace>
    </namespaces>
  </siteinfo>
`)
}

var (
	genSubjects = []string{"Autoconsommation collective", "Boucle de chaleur", "Covoiturage rural",
		"Centrale villageoise", "Atelier vélo", "Rénovation énergétique", "Réseau de chaleur",
		"Méthanisation agricole", "Éolien citoyen", "Sobriété numérique", "Mobilité partagée",
		"Coopérative d'énergie", "Tiers-lieu", "Épicerie solidaire", "Compostage partagé",
		"Ombrières photovoltaïques", "Bus à la demande", "Défi familles à énergie positive"}
	genPlaces = []string{"Grenoble", "Clermont-Ferrand", "Lorient", "Valence", "Die", "Briançon",
		"Mende", "Tulle", "Pays de Retz", "Haut-Jura", "Vercors", "Cévennes", "Quimper", "Aurillac"}
	genUsers = []struct {
		name string
		id   int
	}{{"Marie.Dupont", 12}, {"Jean-Luc M", 48}, {"Énergies Citoyennes 38", 103}, {"Camille Roux", 7},
		{"BotMaintenance", 2}, {"Léa-Bénévole", 211}, {"Yannick.K", 95}, {"Sofiane B.", 388}}
	genIPs      = []string{"192.0.2.14", "198.51.100.7", "203.0.113.52", "2001:db8::4f2a", "192.0.2.201"}
	genComments = []string{"Ajout de la section financement", "typo", "mise à jour des chiffres",
		"relecture", "ajout de sources", "", "Nouvelle page", "précisions sur la gouvernance",
		"liens cassés", "/* Résultats */ chiffres 2023", "Révocation des modifications de 203.0.113.52"}
	genSentences = []string{
		"Le projet réunit des habitants, la commune et une coopérative locale",
		"La production annuelle atteint environ %d MWh, soit la consommation de %d foyers",
		"Les statuts prévoient une gouvernance partagée : une personne, une voix",
		"Le financement combine une levée de fonds citoyenne et une subvention régionale",
		"La personne morale organisatrice répartit l'énergie selon une clé dynamique",
		"Les premières installations ont été mises en service en %d",
		"Un comité de suivi se réunit chaque trimestre pour examiner les résultats",
		"Les données de consommation restent la propriété des participants",
		"Le retour d'expérience montre que la mobilisation prend plus de temps que prévu",
		"La démarche s'appuie sur les outils du réseau des fabriques",
		"Les écoles du secteur participent aux animations de sensibilisation",
		"Le coût d'investissement s'élève à %d k€ pour une puissance de %d kWc",
	}
	genExternal = []string{"https://www.ecologie.gouv.fr/autoconsommation", "https://www.cre.fr",
		"https://energie-partagee.org", "https://www.ademe.fr", "https://www.data.gouv.fr",
		"http://www.example.org/rapport.pdf"}
	genCategories = []string{"Énergie", "Mobilité", "Méthode", "Retour d'expérience", "Gouvernance",
		"Financement participatif", "Territoire"}
)

func (g *generator) makeTitles(n int) []string {
	seen := map[string]bool{}
	titles := make([]string, n)
	for i := range titles {
		t := g.pick(genSubjects) + " à " + g.pick(genPlaces)
		if i%25 == 7 {
			t = "Catégorie:" + g.pick(genCategories)
		}
		for k := 2; seen[t]; k++ {
			t = fmt.Sprintf("%s (%d)", strings.TrimSuffix(t, fmt.Sprintf(" (%d)", k-1)), k)
		}
		seen[t] = true
		titles[i] = t
	}
	return titles
}

// section is a part of a page that revisions edit.
type section struct {
	title  string
	blocks []string
}

func (g *generator) sentence() string {
	s := g.pick(genSentences)
	if strings.Contains(s, "%d") {
		args := make([]any, strings.Count(s, "%d"))
		for i := range args {
			args[i] = 2000 + g.rnd.IntN(1200)/10*10
		}
		s = fmt.Sprintf(s, args...)
	}
	switch g.rnd.IntN(8) {
	case 0:
		s = strings.Replace(s, "projet", "'''projet'''", 1)
	case 1:
		s = strings.Replace(s, "coopérative", "''coopérative''", 1)
	case 2:
		s += fmt.Sprintf(", voir [[%s]]", g.pick(g.titles))
	case 3:
		s += fmt.Sprintf(" ([%s source])", g.pick(genExternal))
	case 4:
		s += "<ref>" + g.pick(genExternal) + " consulté en 2023</ref>"
	case 5:
		s += " {{Citation nécessaire}}"
	case 6:
		s += fmt.Sprintf(" avec le [[%s|collectif local]]", g.pick(g.titles))
	}
	return s + "."
}

func (g *generator) paragraph() string {
	n := 2 + g.rnd.IntN(4)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.sentence()
	}
	return strings.Join(parts, " ")
}

func (g *generator) block() string {
	switch g.rnd.IntN(7) {
	case 0:
		var b strings.Builder
		for i := range 2 + g.rnd.IntN(4) {
			b.WriteString("* " + g.sentence() + "\n")
			if i%2 == 1 {
				b.WriteString("** " + g.sentence() + "\n")
			}
		}
		return strings.TrimSuffix(b.String(), "\n")
	case 1:
		var b strings.Builder
		for range 2 + g.rnd.IntN(3) {
			b.WriteString("# " + g.sentence() + "\n")
		}
		b.WriteString("#* " + g.sentence())
		return b.String()
	case 2:
		var b strings.Builder
		b.WriteString("{| class=\"wikitable\"\n! Année !! Production (MWh) !! Participants\n")
		for y := range 2 + g.rnd.IntN(4) {
			fmt.Fprintf(&b, "|-\n| %d || %d || %d\n", 2018+y, 100+g.rnd.IntN(900), 10+g.rnd.IntN(90))
		}
		b.WriteString("|}")
		return b.String()
	case 3:
		return "; Porteur : " + genUsers[g.rnd.IntN(len(genUsers))].name + "\n; Territoire : [[" + g.pick(genPlaces) + "]]"
	default:
		return g.paragraph()
	}
}

func (g *generator) render(title string, infobox bool, sections []section, cats []string) string {
	var b strings.Builder
	if infobox {
		fmt.Fprintf(&b, "{{Infobox Projet\n| nom = %s\n| territoire = %s\n| statut = en cours\n}}\n",
			title, g.pick(genPlaces))
	}
	for i, s := range sections {
		if i > 0 || s.title != "" {
			fmt.Fprintf(&b, "\n== %s ==\n", s.title)
		}
		for _, bl := range s.blocks {
			b.WriteString(bl)
			b.WriteString("\n\n")
		}
	}
	if strings.Contains(b.String(), "<ref>") {
		b.WriteString("== Références ==\n<references />\n")
	}
	b.WriteString("\n")
	for _, c := range cats {
		fmt.Fprintf(&b, "[[Catégorie:%s]]\n", c)
	}
	return b.String()
}

var genSectionTitles = []string{"Contexte", "Objectifs", "Gouvernance", "Financement", "Résultats",
	"Difficultés rencontrées", "Pour aller plus loin", "Calendrier", "Partenaires"}

func (g *generator) page(p, revisions int, revID *int64) {
	title := g.titles[p]
	ns := 0
	if strings.HasPrefix(title, "Catégorie:") {
		ns = 14
	}
	redirect := ""
	if p%40 == 13 && p > 0 {
		redirect = g.titles[p-1]
	}
	g.printf("  <page>\n    <title>%s</title>\n    <ns>%d</ns>\n    <id>%d</id>\n",
		xmlEscaper.Replace(title), ns, 100+p)
	if redirect != "" {
		g.printf("    <redirect title=\"%s\" />\n", xmlEscaper.Replace(redirect))
		revisions = 1
	}

	sections := []section{{blocks: []string{"'''" + title + "''' est une initiative locale. " + g.paragraph()}}}
	cats := []string{g.pick(genCategories)}
	infobox := g.rnd.IntN(2) == 0
	var parent int64
	for r := range revisions {
		if r > 0 {
			g.edit(&sections, &cats)
		}
		text := g.render(title, infobox, sections, cats)
		if redirect != "" {
			text = "#REDIRECTION [[" + redirect + "]]\n"
		}
		if ns == 14 {
			text = "Pages sur le thème « " + strings.TrimPrefix(title, "Catégorie:") + " ».\n" + "[[Catégorie:Thèmes]]\n"
		}
		*revID += 1 + int64(g.rnd.IntN(3))
		g.clock = g.clock.Add(time.Duration(1+g.rnd.IntN(60*24*5)) * time.Minute)
		g.revision(*revID, parent, text, r == 0)
		parent = *revID
	}
	g.printf("  </page>\n")
}

// edit changes a page the way contributors do: a new section, a new paragraph, a reworded
// sentence, a removed block, a new category.
func (g *generator) edit(sections *[]section, cats *[]string) {
	s := *sections
	size := 0
	for _, sec := range s {
		for _, b := range sec.blocks {
			size += len(b)
		}
	}
	switch k := g.rnd.IntN(10); {
	case k < 2 && size < 6000:
		s = append(s, section{title: g.pick(genSectionTitles), blocks: []string{g.block()}})
	case k < 5 && size < 6000:
		i := g.rnd.IntN(len(s))
		s[i].blocks = append(s[i].blocks, g.block())
	case k < 8:
		i := g.rnd.IntN(len(s))
		j := g.rnd.IntN(len(s[i].blocks))
		s[i].blocks[j] = strings.Replace(s[i].blocks[j], "environ", "près de", 1) + " " + g.sentence()
		if len(s[i].blocks[j]) > 1500 {
			s[i].blocks[j] = g.paragraph()
		}
	case k < 9:
		i := g.rnd.IntN(len(s))
		if len(s[i].blocks) > 1 {
			j := g.rnd.IntN(len(s[i].blocks))
			s[i].blocks = append(s[i].blocks[:j], s[i].blocks[j+1:]...)
		}
	default:
		c := g.pick(genCategories)
		for _, e := range *cats {
			if e == c {
				return
			}
		}
		*cats = append(*cats, c)
	}
	*sections = s
}

func (g *generator) revision(id, parent int64, text string, first bool) {
	g.printf("    <revision>\n      <id>%d</id>\n", id)
	if parent != 0 {
		g.printf("      <parentid>%d</parentid>\n", parent)
	}
	g.printf("      <timestamp>%s</timestamp>\n", g.clock.Format(time.RFC3339))
	switch k := g.rnd.IntN(100); {
	case k < 1:
		g.printf("      <contributor deleted=\"deleted\" />\n")
	case k < 20:
		g.printf("      <contributor>\n        <ip>%s</ip>\n      </contributor>\n", g.pick(genIPs))
	default:
		u := genUsers[g.rnd.IntN(len(genUsers))]
		g.printf("      <contributor>\n        <username>%s</username>\n        <id>%d</id>\n      </contributor>\n",
			xmlEscaper.Replace(u.name), u.id)
	}
	if !first && g.rnd.IntN(5) == 0 {
		g.printf("      <minor />\n")
	}
	comment := g.pick(genComments)
	if first {
		comment = "Nouvelle page : " + strings.SplitN(text, "\n", 2)[0]
		if len(comment) > 120 {
			comment = comment[:120]
		}
		comment = strings.ToValidUTF8(comment, "")
	}
	switch {
	case g.rnd.IntN(200) == 0:
		g.printf("      <comment deleted=\"deleted\" />\n")
	case comment != "":
		g.printf("      <comment>%s</comment>\n", xmlEscaper.Replace(comment))
	}
	g.printf("      <origin>%d</origin>\n      <model>wikitext</model>\n      <format>text/x-wiki</format>\n", id)
	g.printf("      <text bytes=\"%d\" sha1=\"%s\" xml:space=\"preserve\">%s</text>\n",
		len(text), SHA1Base36(text), xmlEscaper.Replace(text))
	g.printf("      <sha1>%s</sha1>\n    </revision>\n", SHA1Base36(text))
}
