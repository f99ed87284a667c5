package markup

import (
	"regexp"
	"strings"
	"testing"
)

func TestRenderFeatures(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // fragments expected in the output
		not  []string // fragments that must not appear
	}{
		{"heading", "## Énergie partagée", []string{"<h2>Énergie partagée</h2>"}, []string{"id="}},
		{"emphasis", "*a* **b** ~~c~~", []string{"<em>a</em>", "<strong>b</strong>", "<del>c</del>"}, nil},
		{"table", "| a | b |\n|:--|--:|\n| 1 | 2 |", []string{"<table>", `<th align="left">a</th>`, `<td align="right">2</td>`}, []string{"style="}},
		{"list", "1. un\n2. deux\n\n- x\n- y", []string{"<ol>", "<li>un</li>", "<ul>"}, nil},
		{"ordered start", "3. trois\n4. quatre", []string{`<ol start="3">`}, nil},
		{"external link", "[site](https://example.org/a?b=1&c=2)", []string{`href="https://example.org/a?b=1&amp;c=2"`, `rel="nofollow ugc noopener"`}, nil},
		{"relative link", "[page](/resources/abc)", []string{`<a href="/resources/abc">page</a>`}, []string{"rel="}},
		{"fragment link", "[haut](#top)", []string{`<a href="#top">haut</a>`}, nil},
		{"mailto", "[écrire](mailto:contact@example.org)", []string{`href="mailto:contact@example.org"`}, nil},
		{"autolink", "<https://example.org>", []string{`<a href="https://example.org" rel="nofollow ugc noopener">https://example.org</a>`}, nil},
		{"linkify", "voir https://example.org/x et www.example.com", []string{`href="https://example.org/x" rel="nofollow ugc noopener"`, `href="http://www.example.com" rel="nofollow ugc noopener"`}, nil},
		{"email linkify", "contact@example.org", []string{`href="mailto:contact@example.org"`}, nil},
		{"https image", "![logo](https://example.org/l.png)", []string{`<img src="https://example.org/l.png" alt="logo">`}, nil},
		{"relative image", "![logo](/static/l.png)", []string{`<img src="/static/l.png" alt="logo">`}, nil},
		{"http image dropped", "![logo](http://example.org/l.png)", []string{"logo"}, []string{"<img"}},
		{"protocol-relative image dropped", "![logo](//example.org/l.png)", []string{"logo"}, []string{"<img"}},
		{"code", "`a<b`\n\n```go\nx := 1 < 2\n```", []string{"<code>a&lt;b</code>", `<code class="language-go">x := 1 &lt; 2`}, nil},
		{"hostile code lang", "```x\" onclick=\"y\nz\n```", []string{"<pre><code"}, []string{"onclick"}},
		{"raw html text kept", "a <b>gras</b> c", []string{"gras"}, []string{"<b>"}},
		{"hard break", "a  \nb", []string{"a<br>"}, nil},
		{"blockquote", "> cité", []string{"<blockquote>"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(Render(tt.in))
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("Render(%q) = %q, missing %q", tt.in, out, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("Render(%q) = %q, must not contain %q", tt.in, out, n)
				}
			}
			if err := CheckInert(out); err != nil {
				t.Errorf("Render(%q) = %q: %v", tt.in, out, err)
			}
		})
	}
}

// hostile holds attack vectors: raw HTML, URL scheme tricks in every spelling, Markdown link forms.
var hostile = []struct {
	in      string
	visible string // text that should survive as plain text, if any
}{
	{`<script>alert(1)</script>`, ""},
	{`<SCRIPT SRC=//evil.example/x.js></SCRIPT>`, ""},
	{"<scr<script>ipt>alert(1)</script>", ""},
	{`<img src=x onerror=alert(1)>`, ""},
	{`<img src="x" onerror="alert(1)"/>`, ""},
	{`<svg onload=alert(1)>`, ""},
	{`<svg><script>alert(1)</script></svg>`, ""},
	{`<iframe src="javascript:alert(1)"></iframe>`, ""},
	{`<object data="x.swf"></object><embed src="x.swf">`, ""},
	{`<style>body{background:url(javascript:alert(1))}</style>`, ""},
	{`<p style="background:url(javascript:alert(1))">x</p>`, ""},
	{`<a href="javascript:alert(1)">x</a>`, ""},
	{`<math><mi xlink:href="javascript:alert(1)">x</mi></math>`, ""},
	{`<form action="javascript:alert(1)"><input type=submit></form>`, ""},
	{`<body onload=alert(1)>`, ""},
	{`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`, ""},
	{`<base href="javascript:alert(1)//">`, ""},
	{`<details open ontoggle=alert(1)>`, ""},
	{"<div\nonmouseover=alert(1)>x</div>", ""},
	{`<!-- <script>alert(1)</script> -->`, ""},
	{`<![CDATA[<script>alert(1)</script>]]>`, ""},
	{"[clic](javascript:alert(1))", "clic"},
	{"[clic](JavaScript:alert(1))", "clic"},
	{"[clic](JAVASCRIPT:alert(1))", "clic"},
	{"[clic](  javascript:alert(1))", "clic"},
	{"[clic](<javascript:alert(1)>)", "clic"},
	{"[clic](java\\script:alert(1))", "clic"},
	{"[clic](&#106;avascript:alert(1))", "clic"},
	{"[clic](&#x6A;avascript:alert(1))", "clic"},
	{"[clic](&#0000106;avascript:alert(1))", "clic"},
	{"[clic](javascript&colon;alert(1))", "clic"},
	{"[clic](javascript&#58;alert(1))", "clic"},
	{"[clic](javascript&#x3a;alert(1))", "clic"},
	{"[clic](java&#x09;script:alert(1))", "clic"},
	{"[clic](java&Tab;script:alert(1))", "clic"},
	{"[clic](java&NewLine;script:alert(1))", "clic"},
	{"[clic](&#x20;javascript:alert(1))", "clic"},
	{"[clic](%6Aavascript:alert(1))", "clic"},
	{"[clic](vbscript:msgbox(1))", "clic"},
	{"[clic](VBScript:msgbox(1))", "clic"},
	{"[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "clic"},
	{"[clic](DATA:text/html,<script>alert(1)</script>)", "clic"},
	{"[clic](data:image/png;base64,iVBORw0KGgo=)", "clic"},
	{"[clic](file:///etc/passwd)", "clic"},
	{"[clic](\\\\evil.example\\share)", "clic"},
	{"[clic][ref]\n\n[ref]: javascript:alert(1)", "clic"},
	{"[clic][ref]\n\n[ref]: <javascript:alert(1)> \"t\"", "clic"},
	{"[ref]\n\n[ref]: &#106;avascript:alert(1)", "ref"},
	{"<javascript:alert(1)>", ""},
	{"<JAVASCRIPT:alert(1)>", ""},
	{"<vbscript:msgbox(1)>", ""},
	{"<data:text/html,<script>alert(1)</script>>", ""},
	{"javascript:alert(1)", "javascript:alert(1)"},
	{"![x](javascript:alert(1))", "x"},
	{"![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)", "x"},
	{"![x](data:image/png;base64,iVBORw0KGgo=)", "x"},
	{"![x](http://tracker.example/p.gif)", "x"},
	{"![x](https://example.org/a.png \"t\\\" onerror=\\\"alert(1)\")", ""},
	{"[x](https://example.org \"a\\\" onmouseover=\\\"alert(1)\")", "x"},
	{"[x](https://example.org/\"onmouseover=\"alert(1))", "x"},
	{"[<img src=x onerror=alert(1)>](https://example.org)", ""},
	{"[x](<https://example.org/a b>)", "x"},
	{"| a |\n|---|\n| <script>alert(1)</script> |", ""},
	{"```\n<script>alert(1)</script>\n```", "alert(1)"},
	{"`<script>alert(1)</script>`", "alert(1)"},
	{"<a href=\"https://example.org\" onclick=\"alert(1)\">x</a>", "x"},
	{"&lt;script&gt;alert(1)&lt;/script&gt;", "alert(1)"},
	{"<<script>script>alert(1)<</script>/script>", ""},
	{"<img src=`x`onerror=alert(1)>", ""},
	{"<a href=javas&#99;ript:alert(1)>x</a>", "x"},
	{"<xss style=\"behavior:url(x.htc)\">", ""},
	{"<isindex type=image src=1 onerror=alert(1)>", ""},
	{"<video><source onerror=\"alert(1)\"></video>", ""},
	{"<link rel=stylesheet href=\"javascript:alert(1)\">", ""},
	{"<template><script>alert(1)</script></template>", ""},
	{"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>", ""},
}

var reHandler = regexp.MustCompile(`<[^>]*[\s/"']on[a-z]+\s*=`)

func TestRenderHostile(t *testing.T) {
	for _, tt := range hostile {
		out := string(Render(tt.in))
		if err := CheckInert(out); err != nil {
			t.Errorf("Render(%q) = %q: %v", tt.in, out, err)
		}
		// An independent, cruder check than CheckInert: no dangerous tag opens, no handler in a tag.
		lower := strings.ToLower(out)
		for _, bad := range []string{"<script", "<iframe", "<svg", "<style", "<object", "<embed", "<math", "<form", "<base", "<meta", "<link"} {
			if strings.Contains(lower, bad) {
				t.Errorf("Render(%q) = %q opens %s", tt.in, out, bad)
			}
		}
		if reHandler.MatchString(lower) {
			t.Errorf("Render(%q) = %q has an event handler attribute", tt.in, out)
		}
		if tt.visible != "" && !strings.Contains(out, tt.visible) {
			t.Errorf("Render(%q) = %q, lost the visible text %q", tt.in, out, tt.visible)
		}
	}
}

func TestCheckInertRejects(t *testing.T) {
	bad := []string{
		`<script>alert(1)</script>`,
		`<p onclick="x">a</p>`,
		`<P ONCLICK=x>a</P>`,
		`<p style="color:red">a</p>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="&#106;avascript:alert(1)">x</a>`,
		`<a href="java&#x09;script:alert(1)">x</a>`,
		`<a href=" JavaScript:alert(1)">x</a>`,
		`<a href="data:text/html,x">x</a>`,
		`<a href="https://x" rel="opener">x</a>`,
		`<img src="http://example.org/a.png">`,
		`<img src="//example.org/a.png">`,
		`<img src="data:image/png;base64,AAAA">`,
		`<svg></svg>`,
		`<iframe></iframe>`,
		`<!-- x -->`,
		`<span>x</span>`,
		`<code class="x" onmouseover="y">x</code>`,
	}
	for _, s := range bad {
		if err := CheckInert(s); err == nil {
			t.Errorf("CheckInert(%q) = nil, want an error", s)
		}
	}
	good := []string{
		`<p>a &lt;script&gt; b</p>`,
		`<a href="https://example.org" rel="nofollow ugc noopener">x</a>`,
		`<a href="/x">x</a><a href="#y">y</a><a href="mailto:a@b.c">z</a>`,
		`<img src="https://example.org/a.png" alt="a"><img src="/a.png" alt="b">`,
		`<table><thead><tr><th align="left">a</th></tr></thead></table>`,
		"a < b",
	}
	for _, s := range good {
		if err := CheckInert(s); err != nil {
			t.Errorf("CheckInert(%q) = %v, want nil", s, err)
		}
	}
}

func FuzzRender(f *testing.F) {
	for _, h := range hostile {
		f.Add(h.in)
	}
	f.Add(sampleDocument(1))
	f.Fuzz(func(t *testing.T, in string) {
		out := string(Render(in))
		if err := CheckInert(out); err != nil {
			t.Fatalf("Render(%q) = %q: %v", in, out, err)
		}
		_ = PlainText(in)
	})
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"# Titre\n\nUn *paragraphe* avec **gras**.", "Titre\nUn paragraphe avec gras."},
		{"[lien](https://example.org) et <https://a.example>", "lien et https://a.example"},
		{"![une image](https://x/a.png)", "une image"},
		{"a <b>gras</b> c", "a gras c"},
		{"- un\n- deux", "un\ndeux"},
		{"ligne\nsuite", "ligne suite"},
		{"l&#39;énergie \\*pas d'emphase\\* &amp; plus", "l'énergie *pas d'emphase* & plus"},
		{"```\ncode <x>\n```", "code <x>"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "a b\n1 2"},
		{"`x*y`", "x*y"},
		{"<script>alert(1)</script>", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHighlight(t *testing.T) {
	long := strings.Repeat("Un texte sans intérêt particulier. ", 10) +
		"Les communautés énergétiques partagent l'énergie produite. " +
		strings.Repeat("Encore du remplissage pour la fin. ", 10)
	tests := []struct {
		name   string
		text   string
		terms  []string
		maxLen int
		want   string
	}{
		{"accent and case", "L'Énergie partagée", []string{"energie"}, 0, "L&#39;<mark>Énergie</mark> partagée"},
		{"plural term", "une énergie verte", []string{"énergies"}, 0, "une <mark>énergie</mark> verte"},
		{"prefix", "Coopérative citoyenne", []string{"coop"}, 0, "<mark>Coopérative</mark> citoyenne"},
		{"not inside a word", "décoopération", []string{"coop"}, 0, "décoopération"},
		{"ligature", "une œuvre commune", []string{"oeuvre"}, 0, "une <mark>œuvre</mark> commune"},
		{"several terms", "réseau de chaleur urbain", []string{"chaleur réseau"}, 0, "<mark>réseau</mark> de <mark>chaleur</mark> urbain"},
		{"escaped", "<b>énergie</b> & co", []string{"energie"}, 0, "&lt;b&gt;<mark>énergie</mark>&lt;/b&gt; &amp; co"},
		{"no terms", "texte\n\n  libre", nil, 0, "texte libre"},
		{"short enough", "abc déf", []string{"def"}, 50, "abc <mark>déf</mark>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Highlight(tt.text, tt.terms, tt.maxLen)); got != tt.want {
				t.Errorf("Highlight = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("window around the first match", func(t *testing.T) {
		got := string(Highlight(long, []string{"énergie", "communauté"}, 80))
		if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
			t.Errorf("excerpt %q should be cut at both ends", got)
		}
		if !strings.Contains(got, "<mark>communautés</mark>") || !strings.Contains(got, "<mark>énergie</mark>") {
			t.Errorf("excerpt %q lacks the matches", got)
		}
		plain := strings.NewReplacer("<mark>", "", "</mark>", "", "…", "", "&#39;", "'").Replace(got)
		if n := len([]rune(plain)); n > 80 {
			t.Errorf("excerpt has %d characters, want at most 80: %q", n, got)
		}
		if !strings.Contains(long, plain) {
			t.Errorf("excerpt %q is not a substring of the text", plain)
		}
	})
	t.Run("no match shows the beginning", func(t *testing.T) {
		got := string(Highlight(long, []string{"absent"}, 40))
		if !strings.HasPrefix(got, "Un texte") || strings.Contains(got, "<mark>") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("match near the end keeps a full window", func(t *testing.T) {
		got := string(Highlight(long, []string{"fin"}, 60))
		plain := strings.NewReplacer("<mark>", "", "</mark>", "", "…", "").Replace(got)
		if n := len([]rune(plain)); n < 40 {
			t.Errorf("window of %d characters is too short: %q", n, got)
		}
	})
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Énergie", "energie"},
		{"ÇA", "ca"},
		{"Œuvre", "oeuvre"},
		{"naïve", "naive"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// sampleDocument builds a realistic French Markdown document of about n × 5 KB.
func sampleDocument(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(`# Boucle locale d'autoconsommation collective

Cette **fiche méthode** décrit la mise en place d'une opération d'autoconsommation collective
(ACC) à l'échelle d'un quartier, avec une *personne morale organisatrice* (PMO) et des
producteurs citoyens. Voir aussi [la fiche sur les clés de répartition](/resources/cles-de-repartition)
et le site de la [Commission de régulation de l'énergie](https://www.cre.fr).

## Étapes

1. Identifier les toits disponibles et estimer la production (voir https://re.jrc.ec.europa.eu).
2. Réunir les consommateurs dans un rayon de 2 km (20 km en zone rurale par dérogation).
3. Créer la PMO : association, coopérative (SCIC) ou collectivité.
4. Signer la convention avec le gestionnaire de réseau.
   - Fournir la liste des points de livraison (PRM).
   - Choisir la clé de répartition : statique, dynamique par défaut ou dynamique simple.
5. Suivre la production et ~~facturer~~ répartir l'énergie chaque mois.

## Chiffres clés

| Indicateur | Valeur | Unité |
|:-----------|-------:|:-----:|
| Puissance installée | 250 | kWc |
| Production annuelle | 290 | MWh |
| Taux d'autoconsommation | 78 | % |
| Participants | 42 | foyers |

> Retour d'expérience : « la difficulté principale a été la collecte des mandats des
> participants, pas la technique ».

### Exemple de calcul

` + "```python\nfor pas in courbe:\n    part = production[pas] * cle[participant]\n    total += min(part, conso[pas])\n```" + `

Le calcul se fait au pas de 30 minutes ; les données de comptage sont transmises par le
gestionnaire de réseau sous 48 heures. Pour les questions juridiques, écrire à
contact@example.org ou consulter le ` + "`Code de l'énergie, art. L315-2`" + `.

## Liens

- [Guide national](https://www.ecologie.gouv.fr/autoconsommation)
- [Modèle de statuts de PMO](/resources/statuts-pmo)
- [Tableur de simulation](https://example.org/simulateur.ods)

Dernière mise à jour : mars 2025. Les contributions sont bienvenues ; n'hésitez pas à proposer
des corrections, des cas d'usage supplémentaires ou des traductions de cette fiche. La fiche est
publiée sous licence CC-BY-SA-4.0 et peut être réutilisée librement en citant la source et en
partageant les modifications dans les mêmes conditions.

`)
	}
	return b.String()
}

func BenchmarkRender5KB(b *testing.B) {
	doc := sampleDocument(1)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Render(doc)
	}
}

func BenchmarkPlainText5KB(b *testing.B) {
	doc := sampleDocument(1)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		_ = PlainText(doc)
	}
}

func BenchmarkHighlight(b *testing.B) {
	text := PlainText(sampleDocument(1))
	terms := []string{"énergie", "coopérative"}
	b.ReportAllocs()
	for b.Loop() {
		_ = Highlight(text, terms, 200)
	}
}
