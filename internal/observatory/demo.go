package observatory

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

// demoProject is a project of the demo content.
type demoProject struct {
	name, tech, status string
	kw, mwh            float64
	measured           bool
	commissioning      string
	share, invest      float64
	commune            string
}

// demoCommunity is one fictitious community of the demo content. Every
// name ends with "(exemple)" and every record is marked as an example.
type demoCommunity struct {
	name, commune, legal, eu string
	year                     int
	stage                    string
	members                  Members
	acts                     []string
	label, desc              string
	principles               [3]string
	contact                  Contact
	projects                 []demoProject
	journal                  [][2]string // date, text
	needs                    []string
	accomp                   []AccompanimentInput
	managers                 []string
}

// The three pilot territories of the strategy note come first (Mornant's
// first project has number 1 on a fresh store: sample routes rely on it).
var demoCommunities = []demoCommunity{
	{name: "Énergies citoyennes du Pays Mornantais (exemple)", commune: "69141", legal: "coop_company", eu: "cec", year: 2014, stage: "operation",
		members: Members{246, 9, 12, 3}, acts: []string{"generation", "sharing", "sobriety", "mediation"}, label: "Énergie Partagée",
		desc:       "Une société coopérative d'habitants et de communes qui loue des toitures pour y produire de l'électricité solaire et anime des défis sobriété.",
		principles: [3]string{"met", "met", "met"},
		contact:    Contact{Name: "Camille Martin", NamePrivate: true, Email: "bonjour@mornantais-energies.example", Phone: "04 78 00 00 02", PhonePrivate: true},
		projects: []demoProject{
			{name: "Neuf toitures communales", tech: "pv_rooftop", status: "operation", kw: 324, mwh: 366, measured: true, commissioning: "2016-05-20", share: 85, invest: 520000},
			{name: "Autoconsommation collective du groupe scolaire", tech: "pv_rooftop", status: "operation", kw: 36, mwh: 41, measured: true, commissioning: "2022-10-03", share: 100, invest: 52000, commune: "69176"},
			{name: "Chaufferie bois et réseau de chaleur du centre-bourg", tech: "heat_network", status: "study", kw: 800, mwh: 1400, share: 30, invest: 1900000},
		},
		journal: [][2]string{{"2023-11-20", "Bilan de la première année d'autoconsommation collective : 71 % de l'électricité produite consommée par l'école et la cantine."},
			{"2024-06-08", "Fête de l'énergie au marché : 25 nouveaux sociétaires."}},
		needs:    []string{"Une étude de faisabilité pour le réseau de chaleur"},
		accomp:   []AccompanimentInput{{Date: "2024-01-25", Person: "Équipe de la Fabrique", Hours: 4, Summary: "Relecture des statuts et du pacte d'associés pour l'entrée de deux communes.", Resources: []string{"guide-pour-creer-une-cooperative-citoyenne-d-energie"}}},
		managers: []string{"camille.martin@demo.example"}},
	{name: "Coopérative solaire de Concarneau (exemple)", commune: "29039", legal: "scic", eu: "rec", year: 2019, stage: "development",
		members: Members{182, 3, 7, 4}, acts: []string{"generation", "sharing", "mediation"}, label: "Énergie Partagée",
		desc:       "Habitants, pêcheurs et commune équipent les toits du port et partagent l'électricité produite entre voisins.",
		principles: [3]string{"met", "met", "partly"},
		contact:    Contact{Name: "Accueil de la coopérative", Email: "contact@concarneau-solaire.example", Phone: "02 98 00 00 01", PhonePrivate: true},
		projects: []demoProject{
			{name: "Toitures du port de pêche", tech: "pv_rooftop", status: "operation", kw: 250, mwh: 265, measured: true, commissioning: "2021-06-15", share: 72, invest: 310000},
			{name: "Autoconsommation collective de la Ville Close", tech: "pv_rooftop", status: "construction", kw: 99, mwh: 104, commissioning: "2025-09-01", share: 100, invest: 125000},
			{name: "Kits solaires pour les logements du centre", tech: "plug_in_solar", status: "study", kw: 12, mwh: 12},
		},
		journal: [][2]string{{"2024-03-12", "Assemblée générale : 40 nouveaux sociétaires, décision de lancer l'autoconsommation collective de la Ville Close."},
			{"2024-09-30", "Convention d'occupation des toitures signée avec la commune."},
			{"2025-02-04", "Dépôt de la demande de raccordement pour l'opération collective."}},
		needs: []string{"Un électricien bénévole pour le suivi des installations", "Des toitures supplémentaires dans la zone d'activité"},
		accomp: []AccompanimentInput{{Date: "2024-04-18", Person: "Équipe de la Fabrique", Hours: 6, Summary: "Atelier sur les clés de répartition de l'autoconsommation collective ; simulation des taux d'autoconsommation.",
			Resources: []string{"logiciel-libre-de-calcul-des-cles-de-repartition", "kit-solaire-pret-a-brancher-atelier-de-mediation"}}},
		managers: []string{"yann.le-goff@demo.example"}},
	{name: "Haut-Vallespir Énergies (exemple)", commune: "66150", legal: "association", eu: "unknown", year: 2021, stage: "structuring",
		members: Members{64, 2, 3, 2}, acts: []string{"generation", "sobriety", "mediation"},
		desc:       "Des habitants de la haute vallée du Tech veulent relancer un ancien moulin en petite centrale hydroélectrique et équiper les bâtiments publics.",
		principles: [3]string{"met", "partly", "unknown"},
		contact:    Contact{Email: "vallespir-energies@example.org", EmailPrivate: true, Name: "Inès Bernard"},
		projects: []demoProject{
			{name: "Microcentrale du moulin", tech: "hydro", status: "study", kw: 120, mwh: 480, share: 60, invest: 650000},
			{name: "Ombrières du parking des thermes", tech: "pv_ground", status: "development", kw: 60, mwh: 80, share: 50, invest: 95000},
		},
		journal: [][2]string{{"2024-05-14", "Réunion publique à la salle des fêtes : 80 personnes, questions sur le débit réservé de la rivière."},
			{"2025-01-09", "Première visite du moulin avec un bureau d'études."}},
		needs: []string{"Un juriste pour choisir entre SCIC et SAS coopérative", "Des données de débit de la rivière"},
		accomp: []AccompanimentInput{{Date: "2024-10-02", Person: "Équipe de la Fabrique", Hours: 12, Summary: "Résidence de territoire de deux jours : cartographie des acteurs et dialogue avec les pêcheurs.",
			Resources: []string{"methode-de-concertation-autour-d-un-projet-eolien", "retour-d-experience-la-centrale-hydroelectrique-communale-de-prats-de-mollo"}}},
		managers: []string{"ines.bernard@demo.example"}},
	{name: "Les Toits de Trégunc (exemple)", commune: "29293", legal: "association", eu: "none", year: 2022, stage: "emergence",
		members: Members{28, 0, 1, 1}, acts: []string{"generation"}, principles: [3]string{"met", "met", "unknown"},
		projects: []demoProject{{name: "Toiture de la salle omnisports", tech: "pv_rooftop", status: "idea", kw: 100}}},
	{name: "Soleil de Rosporden (exemple)", commune: "29241", legal: "scic", eu: "rec", year: 2020, stage: "development",
		members: Members{95, 1, 4, 2}, acts: []string{"generation", "sharing"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Hangars agricoles", tech: "pv_rooftop", status: "development", kw: 300, mwh: 320, share: 55, invest: 360000}}},
	{name: "Soucieu Solaire (exemple)", commune: "69176", legal: "association", eu: "none", year: 2018, stage: "operation",
		members: Members{41, 1, 0, 1}, acts: []string{"generation", "mediation"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Toiture du gymnase", tech: "pv_rooftop", status: "operation", kw: 36, mwh: 40, measured: true, commissioning: "2019-07-01", share: 100, invest: 48000}}},
	{name: "Orliénas en transition (exemple)", commune: "69148", legal: "informal", eu: "unknown", year: 2023, stage: "emergence",
		members: Members{15, 0, 0, 1}, acts: []string{"sobriety", "mediation"}, principles: [3]string{"met", "unknown", "unknown"}},
	{name: "Vallespir Solaire (exemple)", commune: "66003", legal: "coop_company", eu: "rec", year: 2017, stage: "operation",
		members: Members{130, 2, 5, 1}, acts: []string{"generation"}, principles: [3]string{"met", "met", "partly"},
		projects: []demoProject{{name: "Centrale au sol de l'ancienne décharge", tech: "pv_ground", status: "operation", kw: 1500, mwh: 2050, measured: true, commissioning: "2019-03-28", share: 40, invest: 1350000}}},
	{name: "Rennes Énergies Communes (exemple)", commune: "35238", legal: "scic", eu: "cec", year: 2012, stage: "spreading",
		members: Members{820, 4, 25, 10}, acts: []string{"generation", "supply", "sharing", "energy_services"}, label: "Énergie Partagée", principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Toitures des écoles", tech: "pv_rooftop", status: "operation", kw: 900, mwh: 880, measured: true, commissioning: "2015-04-01", share: 90, invest: 1200000},
			{name: "Batterie de quartier", tech: "storage", status: "development", kw: 200}}, managers: []string{"paul.roux@demo.example"}},
	{name: "Lorient Marée Verte (exemple)", commune: "56121", legal: "association", eu: "none", year: 2021, stage: "structuring",
		members: Members{55, 0, 2, 3}, acts: []string{"generation", "mediation"}, principles: [3]string{"met", "partly", "unknown"},
		projects: []demoProject{{name: "Ombrières du port de plaisance", tech: "pv_ground", status: "study", kw: 400}}},
	{name: "Vent du Penthièvre (exemple)", commune: "22278", legal: "sem", eu: "none", year: 2010, stage: "operation",
		members: Members{0, 12, 3, 0}, acts: []string{"generation"}, principles: [3]string{"not_met", "partly", "partly"},
		projects: []demoProject{{name: "Parc éolien des landes", tech: "wind_onshore", status: "operation", kw: 9200, mwh: 21000, measured: true, commissioning: "2013-11-15", share: 10, invest: 13000000}}},
	{name: "Nantes Quartiers Solaires (exemple)", commune: "44109", legal: "scic", eu: "rec", year: 2016, stage: "operation",
		members: Members{410, 1, 15, 6}, acts: []string{"generation", "sharing"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Toitures des équipements sportifs", tech: "pv_rooftop", status: "operation", kw: 600, mwh: 640, measured: true, commissioning: "2018-06-01", share: 80, invest: 700000}}},
	{name: "Mayenne Bois Énergie (exemple)", commune: "53130", legal: "scic", eu: "rec", year: 2011, stage: "operation",
		members: Members{90, 6, 20, 2}, acts: []string{"generation", "supply"}, principles: [3]string{"met", "met", "partly"},
		projects: []demoProject{{name: "Réseau de chaleur bois du quartier de la gare", tech: "heat_network", status: "operation", kw: 1800, mwh: 4200, measured: true, commissioning: "2014-10-01", share: 35, invest: 2800000}}},
	{name: "Grenoble Énergies Citoyennes (exemple)", commune: "38185", legal: "coop_company", eu: "cec", year: 2015, stage: "operation",
		members: Members{560, 2, 18, 9}, acts: []string{"generation", "sharing", "e_mobility"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Toitures de copropriétés", tech: "pv_rooftop", status: "operation", kw: 450, mwh: 500, measured: true, commissioning: "2017-05-01", share: 95, invest: 560000},
			{name: "Bornes de recharge solaires", tech: "storage", status: "construction", kw: 60}}},
	{name: "Savoie Hydro Citoyenne (exemple)", commune: "73065", legal: "scic", eu: "rec", year: 2019, stage: "development",
		members: Members{210, 5, 6, 2}, acts: []string{"generation"}, principles: [3]string{"met", "met", "partly"},
		projects: []demoProject{{name: "Petite hydro du torrent", tech: "hydro", status: "construction", kw: 480, mwh: 1900, share: 70, invest: 2100000}}},
	{name: "Drôme Soleil Paysan (exemple)", commune: "26362", legal: "scic", eu: "rec", year: 2013, stage: "operation",
		members: Members{300, 8, 40, 4}, acts: []string{"generation"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Hangars des exploitations", tech: "pv_rooftop", status: "operation", kw: 1100, mwh: 1350, measured: true, commissioning: "2016-08-01", share: 65, invest: 1300000}}},
	{name: "Auvergne Méthanisation Collective (exemple)", commune: "15014", legal: "sem", eu: "none", year: 2017, stage: "operation",
		members: Members{0, 5, 22, 0}, acts: []string{"generation"}, principles: [3]string{"not_met", "partly", "partly"},
		projects: []demoProject{{name: "Unité de méthanisation agricole", tech: "biogas", status: "operation", kw: 500, mwh: 4000, measured: true, commissioning: "2020-02-01", share: 5, invest: 4500000}}},
	{name: "Besançon Rénovation Solidaire (exemple)", commune: "25056", legal: "association", eu: "none", year: 2018, stage: "development",
		members: Members{150, 1, 4, 8}, acts: []string{"sobriety", "energy_services", "mediation"}, principles: [3]string{"met", "met", "met"}},
	{name: "Jura Vent Citoyen (exemple)", commune: "39198", legal: "coop_company", eu: "rec", year: 2016, stage: "development",
		members: Members{180, 3, 5, 1}, acts: []string{"generation"}, principles: [3]string{"met", "met", "partly"},
		projects: []demoProject{{name: "Parc éolien du plateau", tech: "wind_onshore", status: "development", kw: 12000, mwh: 26000, share: 40, invest: 18000000}}},
	{name: "Dijon Chaleur Commune (exemple)", commune: "21231", legal: "regie", eu: "none", year: 2009, stage: "operation",
		members: Members{0, 1, 0, 0}, acts: []string{"distribution", "supply"}, principles: [3]string{"partly", "partly", "met"},
		projects: []demoProject{{name: "Géothermie du quartier universitaire", tech: "geothermal", status: "operation", kw: 2500, mwh: 9000, measured: true, commissioning: "2012-01-01", invest: 8000000}}},
	{name: "Alsace Énergies Villageoises (exemple)", commune: "67482", legal: "coop_company", eu: "cec", year: 2013, stage: "spreading",
		members: Members{640, 10, 30, 8}, acts: []string{"generation", "sharing", "mediation"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Toitures des villages", tech: "pv_rooftop", status: "operation", kw: 1400, mwh: 1500, measured: true, commissioning: "2015-09-01", share: 90, invest: 1900000}}},
	{name: "Metz Solaire Citoyen (exemple)", commune: "57463", legal: "association", eu: "none", year: 2020, stage: "structuring",
		members: Members{70, 0, 2, 2}, acts: []string{"generation", "mediation"}, principles: [3]string{"met", "met", "unknown"},
		projects: []demoProject{{name: "Toiture du marché couvert", tech: "pv_rooftop", status: "study", kw: 150}}},
	{name: "Champagne Biogaz Partagé (exemple)", commune: "51454", legal: "scic", eu: "rec", year: 2019, stage: "development",
		members: Members{60, 4, 15, 1}, acts: []string{"generation"}, principles: [3]string{"met", "partly", "partly"},
		projects: []demoProject{{name: "Méthaniseur coopératif", tech: "biogas", status: "construction", kw: 350, mwh: 2800, share: 25, invest: 3200000}}},
	{name: "Lille Énergie des Habitants (exemple)", commune: "59350", legal: "scic", eu: "cec", year: 2017, stage: "operation",
		members: Members{380, 1, 12, 10}, acts: []string{"generation", "sharing", "sobriety"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Logements sociaux solaires", tech: "pv_rooftop", status: "operation", kw: 280, mwh: 260, measured: true, commissioning: "2019-04-01", share: 100, invest: 350000}}},
	{name: "Amiens Vents de Picardie (exemple)", commune: "80021", legal: "limited_partnership", eu: "none", year: 2014, stage: "operation",
		members: Members{120, 2, 4, 0}, acts: []string{"generation"}, principles: [3]string{"partly", "partly", "partly"},
		projects: []demoProject{{name: "Parc éolien de la Somme", tech: "wind_onshore", status: "operation", kw: 14000, mwh: 32000, measured: true, commissioning: "2017-12-01", share: 15, invest: 20000000}}},
	{name: "Rouen Seine Solaire (exemple)", commune: "76540", legal: "scic", eu: "rec", year: 2021, stage: "development",
		members: Members{140, 1, 6, 3}, acts: []string{"generation", "sharing"}, principles: [3]string{"met", "met", "partly"},
		projects: []demoProject{{name: "Toits des docks", tech: "pv_rooftop", status: "development", kw: 500, share: 80}}},
	{name: "Caen Énergies Solidaires (exemple)", commune: "14118", legal: "association", eu: "none", year: 2022, stage: "emergence",
		members: Members{35, 0, 0, 4}, acts: []string{"sobriety", "mediation"}, principles: [3]string{"met", "met", "unknown"}},
	{name: "Orléans Loire Énergies (exemple)", commune: "45234", legal: "scic", eu: "rec", year: 2018, stage: "operation",
		members: Members{220, 3, 9, 2}, acts: []string{"generation"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Toitures des halles", tech: "pv_rooftop", status: "operation", kw: 380, mwh: 420, measured: true, commissioning: "2020-05-01", share: 75, invest: 450000}}},
	{name: "Tours Chaleur Citoyenne (exemple)", commune: "37261", legal: "coop_company", eu: "rec", year: 2020, stage: "structuring",
		members: Members{80, 1, 5, 1}, acts: []string{"generation", "supply"}, principles: [3]string{"met", "partly", "unknown"},
		projects: []demoProject{{name: "Pompes à chaleur de l'écoquartier", tech: "heat_pump", status: "study", kw: 600}}},
	{name: "Bordeaux Solaire Solidaire (exemple)", commune: "33063", legal: "scic", eu: "cec", year: 2016, stage: "operation",
		members: Members{520, 2, 20, 12}, acts: []string{"generation", "sharing", "mediation"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Toitures des entrepôts du port de la Lune", tech: "pv_rooftop", status: "operation", kw: 750, mwh: 900, measured: true, commissioning: "2018-09-01", share: 85, invest: 900000}}},
	{name: "Limousin Bois Citoyen (exemple)", commune: "87085", legal: "scic", eu: "rec", year: 2012, stage: "operation",
		members: Members{160, 7, 25, 3}, acts: []string{"generation", "supply"}, principles: [3]string{"met", "met", "partly"},
		projects: []demoProject{{name: "Chaufferie bois du collège", tech: "biomass", status: "operation", kw: 900, mwh: 2100, measured: true, commissioning: "2015-11-01", share: 40, invest: 1500000}}},
	{name: "La Rochelle Énergie Littorale (exemple)", commune: "17300", legal: "association", eu: "none", year: 2023, stage: "emergence",
		members: Members{22, 0, 1, 2}, acts: []string{"mediation"}, principles: [3]string{"met", "met", "unknown"}},
	{name: "Toulouse Énergies du Canal (exemple)", commune: "31555", legal: "scic", eu: "rec", year: 2017, stage: "operation",
		members: Members{470, 2, 14, 6}, acts: []string{"generation", "sharing", "e_mobility"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Ombrières des parkings relais", tech: "pv_ground", status: "operation", kw: 1200, mwh: 1550, measured: true, commissioning: "2020-06-01", share: 60, invest: 1400000}}},
	{name: "Cévennes Hydro Partagée (exemple)", commune: "48095", legal: "coop_company", eu: "rec", year: 2015, stage: "operation",
		members: Members{110, 3, 2, 1}, acts: []string{"generation"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Moulin rénové", tech: "hydro", status: "operation", kw: 150, mwh: 600, measured: true, commissioning: "2018-03-01", share: 90, invest: 700000}}},
	{name: "Montpellier Solaire Citoyen (exemple)", commune: "34172", legal: "scic", eu: "cec", year: 2019, stage: "development",
		members: Members{260, 1, 8, 5}, acts: []string{"generation", "sharing"}, principles: [3]string{"met", "met", "partly"},
		projects: []demoProject{{name: "Autoconsommation collective de l'écoquartier", tech: "pv_rooftop", status: "construction", kw: 180, mwh: 230, share: 100, invest: 210000}}},
	{name: "Provence Soleil Commun (exemple)", commune: "84007", legal: "scic", eu: "rec", year: 2014, stage: "operation",
		members: Members{330, 5, 16, 4}, acts: []string{"generation"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Centrale au sol de l'ancienne carrière", tech: "pv_ground", status: "operation", kw: 4800, mwh: 6900, measured: true, commissioning: "2017-07-01", share: 30, invest: 4200000}}},
	{name: "Alpes du Sud Énergie (exemple)", commune: "05061", legal: "association", eu: "unknown", year: 2020, stage: "structuring",
		members: Members{48, 1, 1, 1}, acts: []string{"generation", "sobriety"}, principles: [3]string{"met", "partly", "unknown"},
		projects: []demoProject{{name: "Solaire thermique des refuges", tech: "solar_thermal", status: "study", kw: 80}}},
	{name: "Corse Soleil Insulaire (exemple)", commune: "2A004", legal: "scic", eu: "rec", year: 2018, stage: "development",
		members: Members{120, 2, 6, 2}, acts: []string{"generation", "energy_services"}, principles: [3]string{"met", "met", "partly"},
		projects: []demoProject{{name: "Stockage pour l'autoconsommation", tech: "storage", status: "development", kw: 250}, {name: "Toitures des écoles", tech: "pv_rooftop", status: "operation", kw: 220, mwh: 300, measured: true, commissioning: "2021-03-01", share: 70, invest: 280000}}},
	{name: "Paris Toits Citoyens (exemple)", commune: "75056", legal: "scic", eu: "cec", year: 2015, stage: "spreading",
		members: Members{1200, 1, 35, 20}, acts: []string{"generation", "sharing", "mediation"}, principles: [3]string{"met", "met", "met"},
		projects: []demoProject{{name: "Toitures des gymnases", tech: "pv_rooftop", status: "operation", kw: 520, mwh: 480, measured: true, commissioning: "2017-10-01", share: 100, invest: 700000}},
		managers: []string{"paul.roux@demo.example"}},
	{name: "Réunion Soleil Partagé (exemple)", commune: "97411", legal: "scic", eu: "rec", year: 2019, stage: "development",
		members: Members{190, 2, 10, 3}, acts: []string{"generation", "sharing", "energy_services"}, principles: [3]string{"met", "met", "partly"},
		projects: []demoProject{{name: "Centrale solaire avec stockage", tech: "pv_ground", status: "construction", kw: 900, mwh: 1400, share: 45, invest: 1600000}}},
	{name: "Martinique Énergies Citoyennes (exemple)", commune: "97209", legal: "association", eu: "none", year: 2022, stage: "emergence",
		members: Members{40, 0, 2, 3}, acts: []string{"generation", "mediation"}, principles: [3]string{"met", "unknown", "unknown"},
		projects: []demoProject{{name: "Kits solaires pour les quartiers", tech: "plug_in_solar", status: "idea", kw: 20}}},
}

// DemoSlugs are the slugs of the pilot demo communities (Concarneau,
// Mornant, Prats-de-Mollo-la-Preste), for tests and sample routes.
var DemoSlugs = []string{"cooperative-solaire-de-concarneau-exemple", "energies-citoyennes-du-pays-mornantais-exemple", "haut-vallespir-energies-exemple"}

// SeedDemo loads about forty fictitious communities across France (all
// marked as examples), with projects, stage histories, journals, needs and
// accompaniments, and gives the pilot communities managers among the demo
// accounts. It is all or nothing.
func (s *Service) SeedDemo(ctx context.Context) error {
	dir := s.directory()
	now := s.now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for i, d := range demoCommunities {
			in := CommunityInput{Name: d.name, LegalForm: d.legal, EUStatus: d.eu, Commune: d.commune, FoundingYear: d.year, Members: d.members,
				Activities: d.acts, Label: d.label, Description: d.desc, Stage: d.stage, Example: true, Contact: d.contact,
				Principles: PrincipleSet{OpenParticipation: Assessment{Status: d.principles[0]}, MemberControl: Assessment{Status: d.principles[1]}, Benefits: Assessment{Status: d.principles[2]}}}
			for j, ev := range []string{"Adhésion libre, parts sociales à partir de 50 €.", "Une personne, une voix en assemblée générale.", "Bénéfices réinvestis dans des actions locales de sobriété."} {
				if d.principles[j] != "unknown" {
					switch j {
					case 0:
						in.Principles.OpenParticipation.Evidence = ev
					case 1:
						in.Principles.MemberControl.Evidence = ev
					case 2:
						in.Principles.Benefits.Evidence = ev
					}
				}
			}
			c, verr := validateCommunity(s.terr, in, now)
			if verr != nil {
				return fmt.Errorf("demo community %q: %w", d.name, verr)
			}
			// History: one stage per year from the founding year, the last
			// one a few months ago; creation dates follow the list order so
			// "recently updated" has a stable meaning.
			at := func(k int) time.Time {
				return time.Date(d.year+k, time.Month(3+i%9), 1+i%27, 10, 0, 0, 0, time.UTC)
			}
			last := Stages.Index(d.stage)
			c.CreatedAt = now.Add(-time.Duration(len(demoCommunities)-i) * time.Hour)
			c.UpdatedAt = c.CreatedAt
			c.StageSince = at(last)
			if c.StageSince.After(now) {
				c.StageSince = now
			}
			var err error
			if c.ID, err = insertCommunity(ctx, tx, c, nil); err != nil {
				return err
			}
			if err := writeActivities(ctx, tx, c.ID, c.Activities); err != nil {
				return err
			}
			for k := 0; k <= last; k++ {
				t := at(k)
				if t.After(now) {
					t = now
				}
				note := ""
				if k == 0 {
					note = "Création de la fiche"
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO obs_stage_changes (community_id, stage, changed_at, changed_by, author_name, note) VALUES ($1, $2, $3, $4, $5, $6)`,
					c.ID, Stages.Codes()[k], t, nil, "Équipe de la Fabrique", note); err != nil {
					return err
				}
			}
			for _, p := range d.projects {
				pin := ProjectInput{Name: p.name, Technology: p.tech, Status: p.status, ProductionMeasured: p.measured, Commissioning: p.commissioning, Commune: p.commune}
				if p.kw > 0 {
					pin.CapacityKW = ptr(p.kw)
				}
				if p.mwh > 0 {
					pin.ProductionMWh = ptr(p.mwh)
				}
				if p.share > 0 {
					pin.CitizenSharePct = ptr(p.share)
				}
				if p.invest > 0 {
					pin.InvestmentEUR = ptr(p.invest)
				}
				pr, verr := validateProject(s.terr, pin, c.Place.Commune)
				if verr != nil {
					return fmt.Errorf("demo project %q: %w", p.name, verr)
				}
				pr.CommunityID, pr.CreatedAt, pr.UpdatedAt = c.ID, c.CreatedAt, c.CreatedAt
				if _, err := insertProject(ctx, tx, pr); err != nil {
					return err
				}
			}
			for _, j := range d.journal {
				if _, err := tx.ExecContext(ctx, `INSERT INTO obs_journal (community_id, entry_date, body, author_id, author_name, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
					c.ID, j[0], j[1], nil, "Équipe de la Fabrique", c.CreatedAt); err != nil {
					return err
				}
			}
			for _, n := range d.needs {
				if _, err := tx.ExecContext(ctx, `INSERT INTO obs_needs (community_id, title, details, is_open, created_at) VALUES ($1, $2, $3, $4, $5)`,
					c.ID, n, "", true, c.CreatedAt); err != nil {
					return err
				}
			}
			for _, a := range d.accomp {
				var aid int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO obs_accompaniments (community_id, occurred_on, person, hours, summary, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
					c.ID, a.Date, a.Person, a.Hours, a.Summary, nil, c.CreatedAt).Scan(&aid); err != nil {
					return err
				}
				for _, r := range a.Resources {
					if _, err := tx.ExecContext(ctx, `INSERT INTO obs_accompaniment_resources (accompaniment_id, resource_slug) VALUES ($1, $2)`, aid, r); err != nil {
						return err
					}
				}
			}
			for _, email := range d.managers {
				if dir == nil {
					break
				}
				uid, _, err := dir.LookupEmail(ctx, email)
				if errs.Is(err, errs.NotFound) {
					continue // the demo accounts were not created on this store
				}
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO obs_managers (community_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT (community_id, user_id) DO NOTHING`,
					c.ID, uid, now); err != nil {
					return err
				}
			}
		}
		return bump(ctx, tx)
	})
}

func ptr(v float64) *float64 { return &v }
