package commons

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// Generation of large catalogues for benchmarks (test builds only).

var (
	genNouns = []string{"Guide", "Méthode", "Retour d'expérience", "Outil", "Tableau de bord", "Étude", "Atelier", "Charte", "Jeu de données",
		"Cartographie", "Formation", "Plan d'action", "Diagnostic", "Boîte à outils", "Modèle de convention", "Simulateur", "Protocole",
		"Observatoire", "Kit pédagogique", "Carnet de bord"}
	genTopics = []string{"autoconsommation collective", "coopérative citoyenne", "réseau de chaleur", "énergie solaire", "rénovation énergétique",
		"sobriété", "éolien participatif", "méthanisation agricole", "petite hydroélectricité", "mobilité électrique", "données de consommation",
		"précarité énergétique", "photovoltaïque en toiture", "stockage d'électricité", "pompes à chaleur", "bois énergie", "gouvernance locale",
		"concertation", "financement participatif", "éclairage public"}
	genQualifiers = []string{"pour les petites communes", "en milieu rural", "pour les collectivités", "à l'échelle d'un quartier", "pour les habitants",
		"en copropriété", "pour les écoles", "pour les agriculteurs", "en montagne", "sur le littoral"}
	genSentences = []string{
		"Ce document présente la démarche de %s engagée par le territoire.",
		"Les habitants ont été associés dès le début au projet de %s.",
		"La transition énergétique locale passe par des communs partagés entre collectivités et citoyens.",
		"Le bilan de la première année montre des économies d'énergie mesurables.",
		"Les données ouvertes permettent de comparer les installations de %s.",
		"Une coopérative porte l'investissement et redistribue les bénéfices aux sociétaires.",
		"Le plan climat-air-énergie territorial a servi de cadre aux actions.",
		"Les élus ont validé une feuille de route sur trois ans pour la %s.",
		"Les difficultés rencontrées concernent surtout le raccordement et les autorisations.",
		"La méthode est reproductible dans d'autres territoires ruraux.",
		"Un atelier de médiation a permis de partager les ordres de grandeur.",
		"Les résultats sont publiés sous licence ouverte pour faciliter la réutilisation.",
	}
)

// GenerateResources adds n generated published resources (seeded, reproducible) in batched
// transactions, for benchmarks.
func (s *Service) GenerateResources(ctx context.Context, n int, seed uint64) error {
	rnd := rand.New(rand.NewPCG(seed, seed^0x5eed))
	var communes []Place
	for _, d := range []string{"29", "69", "66", "35", "13", "74"} {
		for _, c := range s.terr.Children(territory.Departement, d) {
			communes = append(communes, Place{Kind: "commune", Code: c.Code})
		}
	}
	pick := func(list []string) string { return list[rnd.IntN(len(list))] }
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 500
	for start := 0; start < n; start += batch {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				topic := pick(genTopics)
				f := Fields{Title: fmt.Sprintf("%s : %s %s", pick(genNouns), topic, pick(genQualifiers)),
					Kind: Kinds[rnd.IntN(len(Kinds))].Code, Licence: Licences[rnd.IntN(len(Licences))].Code,
					Maturity: Maturities[rnd.IntN(len(Maturities))].Code, Status: StatusPublished,
					Themes: []string{Themes[rnd.IntN(len(Themes))].Code}, Contributors: []Contribution{}, Links: []Link{}, Needs: []Need{}}
				if rnd.IntN(3) == 0 {
					f.Themes = append(f.Themes, Themes[rnd.IntN(len(Themes))].Code)
				}
				for k := rnd.IntN(3); k > 0; k-- {
					f.Territories = append(f.Territories, communes[rnd.IntN(len(communes))])
				}
				var body strings.Builder
				body.WriteString("## Contexte\n\n")
				for k := 12 + rnd.IntN(20); k > 0; k-- {
					sent := pick(genSentences)
					if strings.Contains(sent, "%s") {
						sent = fmt.Sprintf(sent, pick(genTopics))
					}
					body.WriteString(sent + " ")
					if k%5 == 0 {
						body.WriteString("\n\n")
					}
				}
				f.Body = body.String()
				f.Summary = fmt.Sprintf("Une ressource sur %s %s, partagée par les acteurs du territoire.", topic, pick(genQualifiers))
				if err := normalize(&f, s.terr, func(string) (string, bool) { return "", false }); err != nil {
					return err
				}
				o := writeOpts{at: at.Add(time.Duration(i) * time.Minute), author: Author{Name: "générateur"}, comment: "Création", example: true}
				if _, _, err := s.insertResource(ctx, tx, &f, nil, fmt.Sprintf("ressource-generee-%06d", i), o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// SetSearchCache turns the cache of full-text answers on or off (benchmarks measure both).
func (s *Service) SetSearchCache(on bool) { s.idx.noCache = !on }
