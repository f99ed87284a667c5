package territory

import (
	"strings"
	"testing"
)

const sampleRegions = "code\tnom\tregion\tchef_lieu\tzone\tpopulation\tlat\tlon\tpoint\n" +
	"53\tBretagne\t\t35238\tmetro\t3449370\t48.19836\t-2.81103\tcomputed\n" +
	"989\tÎle de Clipperton\t\t98901\tcom\t0\t\t\tnone\n"

func TestParseTable(t *testing.T) {
	got, err := parseTable(nil, sampleRegions, Region)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "Bretagne" || got[0].Lat != 48.19836 || got[0].PointSource != PointComputed ||
		got[1].Located() || got[1].ChefLieu != "98901" {
		t.Errorf("parseTable = %+v", got)
	}
}

func TestParseTableErrors(t *testing.T) {
	header := "code\tnom\tregion\tchef_lieu\tzone\tpopulation\tlat\tlon\tpoint\n"
	tests := []struct{ name, raw, want string }{
		{"missing column", "code\tnom\n53\tBretagne\n", `missing column "chef_lieu"`},
		{"short row", header + "53\tBretagne\n", "line 2: 2 fields, want 9"},
		{"bad population", header + "53\tBretagne\t\t35238\tmetro\tmany\t48\t-2\tcomputed\n", "line 2 (53): population"},
		{"bad latitude", header + "53\tBretagne\t\t35238\tmetro\t1\t148\t-2\tcomputed\n", "line 2 (53): lat"},
		{"bad longitude", header + "53\tBretagne\t\t35238\tmetro\t1\t48\tx\tcomputed\n", "line 2 (53): lon"},
		{"bad point", header + "53\tBretagne\t\t35238\tmetro\t1\t48\t-2\tguess\n", "unknown point source"},
		{"empty name", header + "53\t\t\t35238\tmetro\t1\t48\t-2\tcomputed\n", "line 2: empty code or name"},
	}
	for _, tt := range tests {
		_, err := parseTable(nil, tt.raw, Region)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func FuzzParseTable(f *testing.F) {
	f.Add(sampleRegions, "region")
	f.Add("code\tnom\tdepartement\tregion\tepci\tsiren\tpopulation\tlat\tlon\tpoint\tcodes_postaux\n"+
		"66150\tPrats-de-Mollo-la-Preste\t66\t76\t246600548\t216601500\t1099\t42.40404\t2.47928\texact\t66230\n", "commune")
	f.Add("code\n\n\n", "epci")
	f.Fuzz(func(t *testing.T, raw, kind string) {
		k := Kind(kind)
		if !k.Valid() {
			return
		}
		got, err := parseTable(nil, raw, k)
		if err != nil {
			return
		}
		for _, x := range got {
			if x.Code == "" || x.Name == "" || x.Population < 0 || x.Kind != k {
				t.Fatalf("accepted %+v", x)
			}
			for _, p := range x.PostalCodes {
				if p == "" || strings.Contains(p, " ") {
					t.Fatalf("postal code %q", p)
				}
			}
		}
	})
}
