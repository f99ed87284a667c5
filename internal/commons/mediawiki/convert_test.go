package mediawiki

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
)

func TestToMarkdown(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"headings", "= Un =\n== Deux ==\n=== Trois ===\n====== Six ======", "# Un\n\n## Deux\n\n### Trois\n\n###### Six\n"},
		{"unbalanced heading", "=== Titre ==", "## = Titre\n"},
		{"heading with trailing hash", "== C# ==", "## C\\#\n"},
		{"not a heading", "a == b ==", "a == b ==\n"},
		{"bold italic", "'''gras''' ''italique'' '''''les deux'''''", "**gras** *italique* ***les deux***\n"},
		{"apostrophe", "l'énergie d'un ''projet''", "l'énergie d'un *projet*\n"},
		{"four apostrophes", "''''gras''''", "'**gras'**\n"},
		{"odd bold and italic", "l'''amour'' fou", "l'*amour* fou\n"},
		{"spaces inside emphasis", "''' gras ''' suite", "**gras**  suite\n"},
		{"six apostrophes", "a '''''' b", "a ' ***b***\n"},
		{"unclosed bold closes at line end", "'''gras\nsuite", "**gras**\nsuite\n"},
		{"html formatting", "<b>a</b> <i>b</i> <s>c</s> <strong>d</strong>", "**a** *b* ~~c~~ **d**\n"},
		{"internal link", "[[Page]]", "[Page](<./Page>)\n"},
		{"internal link label", "[[Page cible|le libellé]]", "[le libellé](<./Page_cible>)\n"},
		{"internal link anchor", "[[Page#Une section|voir]]", "[voir](<./Page#Une_section>)\n"},
		{"same page anchor", "[[#Haut|haut]]", "[haut](<#Haut>)\n"},
		{"link trail", "des [[vélo]]s", "des [vélos](<./V%C3%A9lo>)\n"},
		{"pipe trick", "[[Aide:Modifier (wiki)|]]", "[Modifier](<./Aide:Modifier_%28wiki%29>)\n"},
		{"formatted label", "[[Page|''beau'' lien]]", "[*beau* lien](<./Page>)\n"},
		{"lowercase first letter", "[[énergie]]", "[énergie](<./%C3%89nergie>)\n"},
		{"external link", "[https://example.org/a?b=1&amp;c=2 le site]", "[le site](<https://example.org/a?b=1&amp;c=2>)\n"},
		{"external link without label", "[https://example.org]", "[https://example.org](<https://example.org>)\n"},
		{"protocol-relative", "[//example.org x]", "[x](<https://example.org>)\n"},
		{"mailto", "[mailto:a@example.org écrire]", "[écrire](<mailto:a@example.org>)\n"},
		{"other protocol as text", "[irc://irc.example.org/canal le canal]", "le canal (irc://irc.example.org/canal)\n"},
		{"bare url", "voir https://example.org/page_1. Fin", "voir <https://example.org/page_1>. Fin\n"},
		{"bare url in parentheses", "(http://example.org/a)", "(<http://example.org/a>)\n"},
		{"bullets", "* a\n* b\n** b1\n*** b11\n* c", "- a\n- b\n  - b1\n    - b11\n- c\n"},
		{"numbers", "# un\n# deux\n## deux.un\n#* puce", "1. un\n1. deux\n   1. deux.un\n   - puce\n"},
		{"mixed nesting", "* a\n*# a1\n*# a2", "- a\n  1. a1\n  1. a2\n"},
		{"list continuation", "# un\n#: suite\n# deux", "1. un\\\n   suite\n1. deux\n"},
		{"list then paragraph", "* a\ntexte", "- a\n\ntexte\n"},
		{"definition list", "; Terme\n: définition\n: autre", "**Terme**\\\ndéfinition\\\nautre\n"},
		{"definition on one line", "; Puissance : 250 kWc", "**Puissance** : 250 kWc\n"},
		{"definition with url", "; Site : https://example.org", "**Site** : <https://example.org>\n"},
		{"indentation", ":réponse\n::réponse à la réponse", "> réponse\n> > réponse à la réponse\n"},
		{"table", "{| class=\"wikitable\"\n! A !! B\n|-\n| 1 || 2\n|-\n| style=\"x\" | 3 || [[P|q]]\n|}",
			"| A | B |\n| --- | --- |\n| 1 | 2 |\n| 3 | [q](<./P>) |\n"},
		{"table without header", "{|\n| a || b\n|-\n| c\n|}", "|  |  |\n| --- | --- |\n| a | b |\n| c |  |\n"},
		{"table header cells on separate lines", "{|\n! A\n! B\n|-\n| 1\n| 2\n|}", "| A | B |\n| --- | --- |\n| 1 | 2 |\n"},
		{"table caption and row header", "{|\n|+ Légende\n! A !! B\n|-\n! x\n| 1\n|}", "Légende\n\n| A | B |\n| --- | --- |\n| **x** | 1 |\n"},
		{"table pipe in cell", "{|\n| <code>a|b</code>\n|}", "|  |\n| --- |\n| `a\\|b` |\n"},
		{"complex table", "{|\n| rowspan=2 | a\n| b\n|-\n| c\n|}", "```\n{|\n| rowspan=2 | a\n| b\n|-\n| c\n|}\n```\n"},
		{"multi-line cell", "{|\n| a\nsuite\n|}", "```\n{|\n| a\nsuite\n|}\n```\n"},
		{"nested table", "{|\n|\n{|\n| x\n|}\n|}", "```\n{|\n|\n{|\n| x\n|}\n|}\n```\n"},
		{"br", "a<br>b<br />c", "a\\\nb\\\nc\n"},
		{"br at the end", "a<br>", "a\n"},
		{"br before list marker", "a<br>- b", "a\\\n\\- b\n"},
		{"br in list", "* a<br>b", "- a\\\n  b\n"},
		{"br in heading", "== a<br>b ==", "## a b\n"},
		{"template inline", "Voir {{lang|en|bike}} ici.", "Voir {{lang\\|en\\|bike}} ici.\n"},
		{"template block", "{{Infobox\n| nom = X\n}}\nTexte", "```\n{{Infobox\n| nom = X\n}}\n```\n\nTexte\n"},
		{"nested template", "{{a|{{b|c}}}}", "{{a\\|{{b\\|c}}}}\n"},
		{"parser function", "{{#if: x | oui | non}}", "{{#if: x \\| oui \\| non}}\n"},
		{"parameter", "{{{1|défaut}}}", "{{{1\\|défaut}}}\n"},
		{"unclosed template", "{{a|b", "{{a\\|b\n"},
		{"comment", "a <!-- caché --> b", "a  b\n"},
		{"comment line", "a\n<!-- ligne cachée -->\nb", "a\nb\n"},
		{"unclosed comment", "a <!-- tout le reste\nb", "a\n"},
		{"nowiki", "<nowiki>''pas'' [[de]] lien</nowiki>", "''pas'' \\[\\[de\\]\\] lien\n"},
		{"nowiki self-closing", "a<nowiki/>b", "ab\n"},
		{"pre tag", "<pre>\nx = 1 &lt; 2\n</pre>", "```\nx = 1 < 2\n```\n"},
		{"leading space", " ligne de code\n autre", "```\nligne de code\nautre\n```\n"},
		{"syntaxhighlight", "<syntaxhighlight lang=\"python\">\nprint(1)\n</syntaxhighlight>", "```python\nprint(1)\n```\n"},
		{"code tag", "<code>a*b</code> et <tt>x</tt>", "`a*b` et `x`\n"},
		{"math", "<math>E = mc^2</math>", "`E = mc^2`\n"},
		{"hr", "a\n----\nb", "a\n\n* * *\n\nb\n"},
		{"magic words", "__NOTOC__ Texte __SOMMAIRE__", "Texte\n"},
		{"unknown magic word", "__BIDULE__", "\\_\\_BIDULE\\_\\_\n"},
		{"escapes", "x *pas* _une_ liste `x` <x a> ~y~ | z", "x \\*pas\\* \\_une\\_ liste \\`x\\` \\<x a\\> \\~y\\~ \\| z\n"},
		{"line start escapes", "- pas une puce\n1. pas un numéro\n> pas une citation\n+ plus", "\\- pas une puce\n1\\. pas un numéro\n\\> pas une citation\n\\+ plus\n"},
		{"entities kept", "a &amp; b &lt;c&gt; &nbsp;d", "a &amp; b &lt;c&gt; &nbsp;d\n"},
		{"file", "[[Fichier:Carte.png|vignette|Une carte]]", "\\[\\[Fichier:Carte.png\\|vignette\\|Une carte\\]\\]\n"},
		{"category removed", "Texte\n[[Catégorie:Énergie|Tri]]", "Texte\n"},
		{"category link", "[[:Catégorie:Énergie|la catégorie]]", "[la catégorie](<./Cat%C3%A9gorie:%C3%89nergie>)\n"},
		{"property", "Porté par [[Porteur::Mairie de Die]].", "Porté par Mairie de Die.\n"},
		{"span removed", "<span style=\"color:red\">rouge</span>", "rouge\n"},
		{"sup", "1<sup>er</sup>", "1er\n"},
		{"refs", "a<ref>Source 1</ref> b<ref name=\"x\">Source 2</ref> c<ref name=\"x\" />\n== Notes ==\n<references />",
			"a\\[1\\] b\\[2\\] c\\[2\\]\n\n## Notes\n\n1. Source 1\n2. Source 2\n"},
		{"refs without references tag", "a<ref>Source</ref>", "a\\[1\\]\n\n* * *\n\n1. Source\n"},
		{"list-defined ref", "a<ref name=\"n\"/>\n<references>\n<ref name=\"n\">Définie en bas</ref>\n</references>",
			"a\\[1\\]\n\n1. Définie en bas\n"},
		{"redirect", "#REDIRECTION [[Page cible#Section]]\n[[Catégorie:Redirections]]", "→ [Page cible#Section](<./Page_cible#Section>)\n"},
		{"gallery", "<gallery>\nFichier:A.jpg|Légende\nB.png\n</gallery>", "```\n<gallery>\nFichier:A.jpg|Légende\nB.png\n</gallery>\n```\n"},
		{"includeonly", "a<includeonly>caché</includeonly><noinclude>b</noinclude>", "ab\n"},
		{"unknown tag", "<poem>vers</poem>", "\\<poem\\>vers\\</poem\\>\n"},
		{"paragraphs", "un\ndeux\n\ntrois", "un\ndeux\n\ntrois\n"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ToMarkdown(tt.in, Options{})
			if got.Markdown != tt.want {
				t.Errorf("ToMarkdown(%q)\n got: %q\nwant: %q", tt.in, got.Markdown, tt.want)
			}
			checkRendersInert(t, tt.in, got.Markdown)
		})
	}
}

func TestToMarkdownExtracted(t *testing.T) {
	in := "[[Catégorie:Énergie]] [[category:mobilité|tri]] [[Catégorie:Énergie]]\n" +
		"[[Fichier:Plan.pdf]] [[Image:Photo_du_site.jpg|thumb]] [[Wikifab:Schéma.svg]]\n" +
		"[[A pour porteur::Mairie]] [[Puissance::250 kWc|250 kWc]]\n" +
		"<gallery>\nFichier:G1.jpg|x\n</gallery>\n{{Modèle inconnu}} <span>x</span>"
	got := ToMarkdown(in, Options{Namespaces: []Namespace{{Key: 6, Name: "Wikifab"}}})
	if want := []string{"Énergie", "Mobilité"}; !slices.Equal(got.Categories, want) {
		t.Errorf("Categories = %q, want %q", got.Categories, want)
	}
	files := slices.Sorted(slices.Values(got.Files))
	if want := []string{"G1.jpg", "Photo du site.jpg", "Plan.pdf", "Schéma.svg"}; !slices.Equal(files, want) {
		t.Errorf("Files = %q, want %q", got.Files, want)
	}
	if want := []Property{{"A pour porteur", "Mairie"}, {"Puissance", "250 kWc"}}; !slices.Equal(got.Properties, want) {
		t.Errorf("Properties = %q, want %q", got.Properties, want)
	}
	for _, w := range []string{"template kept as text", "image or file shown as text", "gallery kept as text", "formatting tag removed"} {
		found := false
		for _, g := range got.Warnings {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("no warning %q in %q", w, got.Warnings)
		}
	}
	for _, g := range got.Warnings {
		if !strings.Contains(g, "(") {
			t.Errorf("warning %q lacks its English translation", g)
		}
	}
}

func TestLinkResolver(t *testing.T) {
	var seen []string
	opts := Options{LinkResolver: func(title string) string {
		seen = append(seen, title)
		switch title {
		case "Absente":
			return ""
		case "Piège":
			return "javascript:alert(1)"
		}
		return "/resources/" + strings.ToLower(strings.ReplaceAll(title, " ", "-"))
	}}
	got := ToMarkdown("[[Vélo cargo|le vélo]] [[Absente|rien]] [[Piège|piège]] [[vélo_cargo#Prix]]", opts).Markdown
	want := "[le vélo](</resources/vélo-cargo>) rien piège [vélo\\_cargo#Prix](</resources/vélo-cargo#Prix>)\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if wantSeen := []string{"Vélo cargo", "Absente", "Piège", "Vélo cargo"}; !slices.Equal(seen, wantSeen) {
		t.Errorf("resolver saw %q, want %q", seen, wantSeen)
	}
}

func TestNormalizeTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"page_de_test", "Page de test"},
		{"  Page   double  ", "Page double"},
		{"énergie", "Énergie"},
		{"catégorie:énergie", "Catégorie:Énergie"},
		{"L&#39;atelier", "L'atelier"},
		{"Caf%C3%A9", "Café"},
		{":Page", "Page"},
		{"iPhone", "IPhone"},
		{"Projet:x", "Projet:X"},
		{"Inconnu:x", "Inconnu:x"},
	}
	for _, tt := range tests {
		if got := NormalizeTitle(tt.in); got != tt.want {
			t.Errorf("NormalizeTitle(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// hostileWikitext holds attacks: HTML allowed or not in wikitext, event attributes, link schemes.
var hostileWikitext = []string{
	"<script>alert(1)</script>",
	"<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
	"<img src=x onerror=alert(1)>",
	"<svg onload=alert(1)>",
	"<iframe src=\"javascript:alert(1)\"></iframe>",
	"<span onmouseover=\"alert(1)\">survol</span>",
	"<div style=\"background:url(javascript:alert(1))\">x</div>",
	"<b onclick=alert(1)>gras</b>",
	"<a href=\"javascript:alert(1)\">lien</a>",
	"[javascript:alert(1) clic]",
	"[JavaScript:alert(1)]",
	"[data:text/html,<script>alert(1)</script> x]",
	"[vbscript:msgbox(1) x]",
	"[[javascript:alert(1)]]",
	"[[javascript:alert(1)|clic]]",
	"[[:javascript:alert(1)|clic]]",
	"[http://example.org\"onmouseover=\"alert(1) x]",
	"[http://example.org/<script>alert(1)</script> x]",
	"[https://example.org/a>b x]",
	"https://example.org/\"><script>alert(1)</script>",
	"https://example.org/&#x3C;script&#x3E;",
	"[https://example.org&#x20;onmouseover=alert(1) x]",
	"[&#106;avascript:alert(1) x]",
	"[java&#x09;script:alert(1) x]",
	"{{#tag:script|alert(1)}}",
	"<nowiki><script>alert(1)</script></nowiki>",
	"<pre><script>alert(1)</script></pre>",
	"<pre>&lt;script&gt;alert(1)&lt;/script&gt;</pre>",
	"<code><script>alert(1)</script></code>",
	"<ref><script>alert(1)</script></ref>",
	"<syntaxhighlight lang='\"><script>'>x</syntaxhighlight>",
	"{|\n| <script>alert(1)</script> || [javascript:x y]\n|}",
	"{| onclick=alert(1)\n| style=\"x\" onmouseover=\"alert(1)\" | a\n|}",
	"== <script>alert(1)</script> ==",
	"* [[x|<img src=x onerror=alert(1)>]]",
	"; <svg/onload=alert(1)> : x",
	"&lt;script&gt;alert(1)&lt;/script&gt;",
	"[[Fichier:x.png|lien=javascript:alert(1)]]",
	"[[Image:x.svg|link=javascript:alert(1)|<script>]]",
	"<<script>script>alert(1)<</script>/script>",
	"[[Page|[javascript:alert(1) x]]]",
	"#REDIRECTION [[javascript:alert(1)]]",
	"<math>\\href{javascript:alert(1)}{x}</math>",
	"<gallery>\nFile:x.jpg|<script>alert(1)</script>\n</gallery>",
	"''<b>[https://example.org ok]</b>''",
	"<!--\n--><script>alert(1)</script>",
}

func TestToMarkdownHostile(t *testing.T) {
	for _, in := range hostileWikitext {
		got := ToMarkdown(in, Options{})
		checkRendersInert(t, in, got.Markdown)
		if strings.Contains(strings.ToLower(string(markup.Render(got.Markdown))), "<script") {
			t.Errorf("%q renders a script element", in)
		}
	}
}

// checkRendersInert renders converted Markdown with the site's renderer and checks that nothing
// in it can run, and that the converter itself produced no raw HTML nor forbidden link.
func checkRendersInert(t *testing.T, in, md string) {
	t.Helper()
	html := string(markup.Render(md))
	if err := markup.CheckInert(html); err != nil {
		t.Errorf("ToMarkdown(%q) = %q renders %q: %v", in, md, html, err)
	}
	if strings.Contains(html, "raw HTML omitted") {
		t.Errorf("ToMarkdown(%q) = %q contains raw HTML", in, md)
	}
	if strings.ContainsAny(md, "\uE000\uE001") {
		t.Errorf("ToMarkdown(%q) = %q leaks a placeholder", in, md)
	}
}

func FuzzToMarkdown(f *testing.F) {
	for _, h := range hostileWikitext {
		f.Add(h)
	}
	f.Add("== Titre ==\n'''gras''' ''it'' [[Lien|x]] {{modèle|a=b}}\n* a\n*# b\n{|\n! a !! b\n|-\n| 1 || 2\n|}\n<ref>n</ref>")
	f.Fuzz(func(t *testing.T, in string) {
		got := ToMarkdown(in, Options{})
		checkRendersInert(t, in, got.Markdown)
	})
}

func TestToMarkdownAdversarialInputsStayLinear(t *testing.T) {
	patterns := []string{
		"[[", "]]", "[[a|", "[http://a ", "[http://a]", "<br>", "<!--a-->", "<!--", "{{", "}}", "{{a|",
		"''", "'''", "'''''", "<ref>", "<ref>x</ref>", "<ref name=a/>", "{|\n", "|}\n", "* ", "*", "#:",
		"<nowiki>", "</nowiki>", "<b>", "</b>", "<b></b>", "http://a.b/ ", "== a ==\n", ";a:b\n", "\n:",
		"<span>", "[[Catégorie:A]]", "[[Fichier:a|[[b]]|", "|| ", "{|\n|a||b\n", "<pre>", "<", "&amp;",
	}
	const size = 200_000
	for _, p := range patterns {
		in := strings.Repeat(p, size/len(p))
		start := time.Now()
		got := ToMarkdown(in, Options{})
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%d × %q took %v", size/len(p), p, d)
		}
		if len(got.Markdown) > 20*len(in)+1000 {
			t.Errorf("%d × %q gave %d bytes of Markdown", size/len(p), p, len(got.Markdown))
		}
	}
}
