package commons

import (
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("Texte d'introduction sans rapport. ", 30) + "La <b>transition</b> énergétique   des\ncommunes & l'Énergie citoyenne. " + strings.Repeat("Suite du texte. ", 30)
	for _, c := range []struct {
		text, want string
		terms      []string
	}{
		{"Énergie citoyenne", "<mark>Énergie</mark> citoyenne", []string{"energ"}},
		{"rien", "rien", []string{"energ"}},
		{long, "&lt;b&gt;transition&lt;/b&gt; <mark>énergétique</mark> des communes &amp; l&#39;<mark>Énergie</mark> citoyenne.", []string{"energ"}},
	} {
		got := string(excerpt(c.text, c.terms, 240))
		if !strings.Contains(got, c.want) {
			t.Errorf("excerpt(%.40q) = %q, want it to contain %q", c.text, got, c.want)
		}
		if err := markup.CheckInert(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(got)); err != nil {
			t.Errorf("excerpt not inert: %v", err)
		}
		if len(c.text) > 300 && (!strings.HasPrefix(got, "… ") || !strings.HasSuffix(got, " …") || len([]rune(got)) > 320) {
			t.Errorf("long excerpt not cut: %q", got)
		}
	}
}
