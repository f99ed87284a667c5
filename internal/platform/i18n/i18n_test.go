package i18n

import "testing"

func TestFromAcceptLanguage(t *testing.T) {
	cases := map[string]string{
		"":                           FR,
		"en":                         EN,
		"en-GB,en;q=0.9":             EN,
		"de-DE,de;q=0.9,en;q=0.8":    EN,
		"en;q=0.5,fr;q=0.9":          FR,
		"fr-CH, fr;q=0.9, en;q=0.8":  FR,
		"de":                         FR,
		"en;q=0":                     FR,
		"es-ES,es;q=0.9,en-US;q=0.1": EN,
	}
	for h, want := range cases {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestTextIn(t *testing.T) {
	x := T("Bonjour", "Hello")
	if x.In(EN) != "Hello" || x.In(FR) != "Bonjour" || x.In("de") != "Bonjour" {
		t.Fatalf("unexpected translations: %+v", x)
	}
	if T("Seul", "").In(EN) != "Seul" {
		t.Fatal("missing English must fall back to French")
	}
}
