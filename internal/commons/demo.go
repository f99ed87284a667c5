package commons

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Demo content: invented but realistic commons around the three pilot territories of the
// Fabrique (Concarneau, Mornant, Prats-de-Mollo-la-Preste), every item flagged as an example.

type demoActor struct {
	name, kind, place, website, desc string
}

var demoActors = []demoActor{
	{"Énergies citoyennes du Pays Mornantais", "cooperative", "commune:69141", "https://example.org/energies-mornantais",
		"Société coopérative d'intérêt collectif qui installe des centrales solaires sur les toits des communes du Pays Mornantais, avec l'épargne des habitant·es.\n\n- 14 toitures équipées\n- 220 sociétaires\n- une assemblée générale ouverte chaque printemps"},
	{"Soleil de Prats", "association", "commune:66150", "https://example.org/soleil-de-prats",
		"Association d'habitant·es du Haut-Vallespir qui anime des ateliers d'autoconsommation et porte un projet de boucle énergétique locale."},
	{"Pôle énergie de Concarneau Cornouaille", "collectivite", "epci:242900769", "https://example.org/concarneau-energie",
		"Service de l'intercommunalité chargé du plan climat-air-énergie territorial (PCAET) et de l'accompagnement des projets citoyens."},
	{"Service transition du Pays Mornantais", "collectivite", "epci:246900740", "",
		"Équipe intercommunale qui suit la rénovation des bâtiments publics et la planification énergétique."},
	{"Régie d'énergie du Haut-Vallespir", "collectivite", "commune:66150", "",
		"Régie communale qui exploite une petite centrale hydroélectrique et un réseau de chaleur au bois."},
	{"Atelier low-tech de Cornouaille", "association", "commune:29039", "https://example.org/lowtech-cornouaille",
		"Atelier ouvert où l'on fabrique des fours solaires, des chauffe-eau et des éoliennes de récupération, plans publiés sous licence libre."},
	{"Coopérative bretonne des kits solaires", "cooperative", "region:53", "https://example.org/kits-solaires",
		"Coopérative qui diffuse des kits solaires prêts à brancher comme support de médiation auprès des particuliers."},
	{"Observatoire citoyen de l'énergie du Rhône", "association", "departement:69", "",
		"Bénévoles qui collectent et publient des données locales de production et de consommation, avec le consentement des foyers."},
	{"Fabrique des Énergies", "fabrique", "", "https://example.org/fabrique-des-energies",
		"Dispositif d'action publique qui soutient les coalitions d'acteurs et capitalise les communs de la transition énergétique."},
	{"Bureau d'études Terres et Watts", "entreprise", "departement:29", "https://example.org/terres-et-watts",
		"Petit bureau d'études spécialisé dans les études de faisabilité photovoltaïque et les opérations d'autoconsommation collective."},
	{"Collectif des habitant·es de Mornant", "citoyen", "commune:69141", "",
		"Groupe informel d'habitant·es qui organise des balades thermiques et des cafés de la transition."},
	{"Laboratoire territoires et énergie", "institution", "region:84", "https://example.org/labo-territoires",
		"Équipe de recherche-action qui étudie les communautés énergétiques et la gouvernance locale des données."},
}

type demoResource struct {
	f     Fields
	edits []demoEdit
}

type demoEdit struct {
	who     string // demo account email
	comment string
	apply   func(f *Fields)
}

func dr(title, summary, body, kind, licence, maturity string, themes, places []string, contribs [][2]string, links []Link, needs []Need) Fields {
	f := Fields{Title: title, Summary: summary, Body: body, Kind: kind, Licence: licence, Maturity: maturity, Themes: themes, Links: links, Needs: needs, Status: StatusPublished}
	for _, p := range places {
		k, c, _ := strings.Cut(p, ":")
		f.Territories = append(f.Territories, Place{Kind: k, Code: c})
	}
	for _, c := range contribs {
		f.Contributors = append(f.Contributors, Contribution{Actor: Slugify(c[0]), Role: c[1]})
	}
	return f
}

const (
	aMornant  = "Énergies citoyennes du Pays Mornantais"
	aPrats    = "Soleil de Prats"
	aCCA      = "Pôle énergie de Concarneau Cornouaille"
	aCCPM     = "Service transition du Pays Mornantais"
	aRegie    = "Régie d'énergie du Haut-Vallespir"
	aLowtech  = "Atelier low-tech de Cornouaille"
	aKits     = "Coopérative bretonne des kits solaires"
	aObs      = "Observatoire citoyen de l'énergie du Rhône"
	aFabrique = "Fabrique des Énergies"
	aBE       = "Bureau d'études Terres et Watts"
	aHab      = "Collectif des habitant·es de Mornant"
	aLabo     = "Laboratoire territoires et énergie"
)

var demoResources = []demoResource{
	{f: dr("Guide pour créer une coopérative citoyenne d'énergie",
		"Les étapes pour passer d'un groupe d'habitant·es motivé·es à une SCIC qui produit de l'électricité renouvelable sur son territoire.",
		"## Pourquoi une coopérative ?\n\nUne société coopérative d'intérêt collectif (SCIC) associe habitant·es, collectivités et entreprises locales. Chaque sociétaire a une voix, quel que soit son apport.\n\n## Les étapes\n\n1. Réunir un premier cercle et repérer des toitures\n2. Faire une étude de faisabilité (ensoleillement, charpente, raccordement)\n3. Rédiger les statuts et ouvrir le capital\n4. Financer, installer, exploiter\n\n## Points de vigilance\n\n- le raccordement au réseau peut prendre plusieurs mois\n- la gouvernance doit rester ouverte aux nouveaux sociétaires",
		"methode", "CC-BY-SA-4.0", "utilisable", []string{"ancrage-territorial", "pole-mutualisation"}, []string{"commune:69141", "epci:246900740"},
		[][2]string{{aMornant, "auteur"}, {aFabrique, "contributeur"}},
		[]Link{{URL: "https://example.org/guide-scic-energie", Label: "Version imprimable du guide", Type: "documentation"}},
		[]Need{{Type: "testeurs", Text: "Deux groupes d'habitant·es pour relire la partie juridique"}}),
		edits: []demoEdit{
			{"yann.le-goff@demo.example", "Ajout de l'étape sur l'assemblée générale", func(f *Fields) {
				f.Body = strings.Replace(f.Body, "4. Financer, installer, exploiter", "4. Financer, installer, exploiter\n5. Tenir une assemblée générale ouverte chaque année", 1)
			}},
			{"ines.bernard@demo.example", "Précision sur le raccordement", func(f *Fields) {
				f.Body = strings.Replace(f.Body, "plusieurs mois", "plusieurs mois : déposez la demande dès l'étude de faisabilité", 1)
				f.Maturity = "mature"
			}},
		}},
	{f: dr("Tableau de bord énergie des bâtiments communaux",
		"Un tableur libre pour suivre chaque mois les consommations d'électricité, de gaz et de bois des bâtiments d'une commune.",
		"## Ce que fait l'outil\n\nLe tableur rassemble les relevés de compteurs et calcule les consommations par bâtiment et par mètre carré.\n\n| Onglet | Contenu |\n| --- | --- |\n| Relevés | index mensuels |\n| Synthèse | kWh par bâtiment et par an |\n\n## Pour qui ?\n\nLes secrétaires de mairie et les élu·es chargé·es de l'énergie dans les petites communes.",
		"outil", "CC-BY-4.0", "utilisable", []string{"gouvernance-donnees", "pole-donnees"}, []string{"epci:242900769"},
		[][2]string{{aCCA, "auteur"}}, []Link{{URL: "https://example.org/tableau-de-bord-energie", Label: "Télécharger le modèle", Type: "donnees"}}, nil),
		edits: []demoEdit{{"camille.martin@demo.example", "Ajout de l'onglet réseau de chaleur", func(f *Fields) {
			f.Body += "\n\n## Nouveauté\n\nUn onglet « réseau de chaleur » suit les livraisons de bois déchiqueté."
		}}}},
	{f: dr("Retour d'expérience : la centrale hydroélectrique communale de Prats-de-Mollo",
		"Comment une petite commune de montagne a remis en service une centrale hydroélectrique et finance ses services grâce à la vente d'électricité.",
		"## Le contexte\n\nLa centrale, construite au début du XXe siècle, était à l'arrêt depuis vingt ans.\n\n## Ce qui a marché\n\n- une régie communale pour garder la maîtrise\n- un chantier confié à des entreprises de la vallée\n- une information régulière des habitant·es\n\n## Ce qu'on referait autrement\n\nAnticiper les autorisations liées à la continuité écologique de la rivière.",
		"retour-experience", "CC-BY-4.0", "mature", []string{"ancrage-territorial", "pole-residences"}, []string{"commune:66150"},
		[][2]string{{aRegie, "porteur"}, {aPrats, "contributeur"}}, nil, nil)},
	{f: dr("Méthode de concertation autour d'un projet éolien",
		"Organiser le dialogue avec les riverain·es avant le dépôt du permis : cartographie des acteurs, ateliers, comité de suivi.",
		"## Principes\n\nLa concertation commence avant que le projet soit figé. Les oppositions sont écoutées et documentées.\n\n## Déroulé proposé\n\n1. Cartographie des acteurs et des inquiétudes\n2. Trois ateliers ouverts (paysage, bruit, retombées locales)\n3. Un comité de suivi avec des riverain·es tiré·es au sort\n\n## Outils\n\n- photomontages depuis les points de vue choisis par les habitant·es\n- une foire aux questions tenue à jour",
		"methode", "CC-BY-SA-4.0", "en-construction", []string{"dialogue-enr", "pole-dialogue"}, []string{"departement:29"},
		[][2]string{{aBE, "auteur"}, {aLabo, "contributeur"}}, nil, []Need{{Type: "terrain", Text: "Un projet éolien en phase d'émergence pour tester la méthode"}})},
	{f: dr("Données ouvertes de production photovoltaïque du Pays Mornantais",
		"Production au pas de 30 minutes de 14 toitures solaires citoyennes, depuis leur mise en service.",
		"## Contenu\n\nUn fichier CSV par installation : horodatage (UTC), énergie produite en Wh.\n\n## Licence et usage\n\nLes données sont publiées sous licence ODbL. Elles servent à comparer les productions et à dimensionner de nouveaux projets.",
		"donnees", "ODbL-1.0", "mature", []string{"gouvernance-donnees", "pole-donnees"}, []string{"epci:246900740"},
		[][2]string{{aMornant, "porteur"}, {aObs, "contributeur"}}, []Link{{URL: "https://example.org/donnees-pv-mornant.csv", Label: "Jeu de données (CSV)", Type: "donnees"}}, nil)},
	{f: dr("Kit solaire prêt à brancher : atelier de médiation",
		"Un déroulé d'atelier de deux heures pour comprendre sa consommation et la production d'un panneau solaire, kit à l'appui.",
		"## Objectif\n\nDonner aux participant·es des repères : combien produit un panneau, combien consomme un frigo, ce qu'est l'autoconsommation.\n\n## Matériel\n\n- un kit solaire de 400 Wc\n- un wattmètre\n- des fiches appareils\n\n## Déroulé\n\n1. Tour de table des usages\n2. Mesures en direct\n3. Discussion sur les coopératives locales",
		"formation", "CC-BY-SA-4.0", "utilisable", []string{"pole-mediation", "ancrage-territorial"}, []string{"region:53", "commune:29039"},
		[][2]string{{aKits, "auteur"}, {aLowtech, "partenaire"}}, nil, nil)},
	{f: dr("Logiciel libre de calcul des clés de répartition",
		"Calcule les coefficients d'une opération d'autoconsommation collective (clé statique, dynamique par défaut, priorités) et produit le fichier attendu par le gestionnaire de réseau.",
		"## Fonctions\n\n- import des courbes de charge des participant·es\n- simulation des clés de répartition\n- taux d'autoconsommation et d'autoproduction\n\n## Installation\n\nUn seul exécutable, sans dépendance.",
		"logiciel", "AGPL-3.0-or-later", "en-construction", []string{"gouvernance-donnees", "pole-donnees"}, nil,
		[][2]string{{aBE, "auteur"}, {aFabrique, "financeur"}}, []Link{{URL: "https://example.org/code/cles-repartition", Label: "Dépôt du code source", Type: "code"}},
		[]Need{{Type: "contributeurs", Text: "Développeur·euses Go pour les formats d'export"}, {Type: "testeurs", Text: "Opérations réelles de 5 à 30 participant·es"}})},
	{f: dr("Balade thermique : voir les fuites de chaleur de son quartier",
		"Une soirée d'hiver, une caméra thermique et un groupe de voisin·es : la méthode pour organiser une balade thermique.",
		"## Préparer\n\nChoisissez une soirée froide (écart de plus de 10 °C entre dedans et dehors) et prévenez les habitant·es du parcours.\n\n## Pendant la balade\n\nOn photographie les façades, on commente sans juger, on note les questions.\n\n## Après\n\nUne réunion pour présenter les aides à la rénovation et les artisans du territoire.",
		"methode", "CC-BY-4.0", "mature", []string{"pole-mediation"}, []string{"commune:69141"},
		[][2]string{{aHab, "auteur"}}, nil, nil),
		edits: []demoEdit{{"paul.roux@demo.example", "Ajout de la partie « après »", func(f *Fields) {
			f.Body += "\n\nLes photographies restent la propriété des habitant·es : demandez leur accord avant toute publication."
		}}}},
	{f: dr("Plan climat-air-énergie : guide de lecture pour les élu·es",
		"Comprendre en une heure le diagnostic, la stratégie et le plan d'action d'un PCAET, et savoir où les citoyen·nes peuvent agir.",
		"## Les trois parties d'un PCAET\n\n- **diagnostic** : consommations par secteur, productions renouvelables, potentiels\n- **stratégie** : objectifs chiffrés à 2030 et 2050\n- **plan d'action** : fiches actions avec porteurs et budgets\n\n## Où agir ?\n\nLes fiches sur la production locale et la sobriété sont souvent les plus ouvertes aux projets citoyens.",
		"publication", "Etalab-2.0", "utilisable", []string{"ancrage-territorial", "pole-mutualisation"}, []string{"epci:242900769", "epci:246900740"},
		[][2]string{{aCCA, "contributeur"}, {aFabrique, "auteur"}}, nil, nil)},
	{f: dr("Réseau de chaleur au bois : étude d'opportunité en zone rurale",
		"Grille d'analyse pour décider si un petit réseau de chaleur au bois déchiqueté est pertinent pour un bourg de montagne.",
		"## Critères\n\n1. Densité de besoins de chaleur le long du tracé\n2. Ressource en bois locale et filière d'approvisionnement\n3. Bâtiments publics raccordables (école, mairie, EHPAD)\n\n## Ordres de grandeur\n\nEn dessous de 1,5 MWh par mètre de réseau et par an, le projet est rarement équilibré.",
		"methode", "CC-BY-SA-4.0", "utilisable", []string{"ancrage-territorial", "pole-recherche"}, []string{"commune:66150"},
		[][2]string{{aRegie, "porteur"}, {aLabo, "contributeur"}}, nil, nil)},
	{f: dr("Charte de gouvernance des données énergétiques des foyers",
		"Principes pour collecter les données de consommation des foyers avec leur consentement, les agréger sans les exposer et les partager utilement.",
		"## Engagements\n\n- consentement explicite, révocable à tout moment\n- agrégats publiés seulement à partir de 10 points de livraison\n- journal des accès consultable par chaque foyer\n\n## Pourquoi une charte ?\n\nLa confiance des habitant·es est la condition d'une régie de données citoyenne.",
		"publication", "CC-BY-4.0", "utilisable", []string{"gouvernance-donnees", "pole-donnees"}, []string{"departement:69"},
		[][2]string{{aObs, "auteur"}, {aLabo, "contributeur"}}, nil, []Need{{Type: "expertise", Text: "Relecture juridique (RGPD, code de l'énergie)"}})},
	{f: dr("Four solaire en matériaux de récupération",
		"Plans et notice de montage d'un four solaire à caisson, réalisable en une journée d'atelier.",
		"## Matériaux\n\n- une caisse en bois de 60 × 60 cm\n- une vitre récupérée\n- de l'isolant en laine de bois\n- du papier aluminium\n\n## Performances\n\nPar beau temps, le four atteint 120 °C : assez pour cuire légumes et gâteaux.",
		"outil", "CC-BY-SA-4.0", "mature", []string{"pole-mediation"}, []string{"commune:29039"},
		[][2]string{{aLowtech, "auteur"}}, []Link{{URL: "https://example.org/plans-four-solaire.pdf", Label: "Plans (PDF)", Type: "documentation"}}, nil)},
	{f: dr("Résidence de territoire : une semaine pour faire émerger une coalition",
		"Format d'une résidence d'une semaine où une équipe s'installe dans un territoire pour réunir élu·es, habitant·es et entreprises autour d'une problématique énergétique.",
		"## Avant\n\nUn diagnostic partagé et une question de départ formulée avec la collectivité.\n\n## Pendant\n\n- deux jours d'enquête de terrain\n- un atelier de créativité\n- une restitution publique le vendredi\n\n## Après\n\nUne feuille de route et un collectif qui continue.",
		"methode", "CC-BY-SA-4.0", "utilisable", []string{"pole-residences", "ancrage-territorial"}, []string{"commune:29039", "commune:69141", "commune:66150"},
		[][2]string{{aFabrique, "auteur"}}, nil, nil),
		edits: []demoEdit{{"camille.martin@demo.example", "Retours des trois territoires pilotes", func(f *Fields) {
			f.Body += "\n\n## Les trois résidences pilotes\n\nConcarneau (port et conserveries), Mornant (toitures agricoles), Prats-de-Mollo (eau et bois)."
		}}}},
	{f: dr("Enquête de terrain : perceptions des énergies renouvelables",
		"Questionnaire et guide d'entretien pour comprendre ce que les habitant·es pensent des projets solaires, éoliens et de méthanisation.",
		"## Questionnaire\n\nVingt questions fermées et cinq questions ouvertes, testées auprès de 150 personnes.\n\n## Guide d'entretien\n\nDes relances pour parler du paysage, de la justice des retombées et de la confiance dans les porteurs de projet.",
		"methode", "CC-BY-4.0", "utilisable", []string{"dialogue-enr", "pole-dialogue", "pole-recherche"}, []string{"region:76"},
		[][2]string{{aLabo, "auteur"}}, nil, nil)},
	{f: dr("Autoconsommation collective à l'échelle d'un hameau",
		"Retour d'expérience d'une opération d'autoconsommation collective entre une toiture agricole et douze foyers voisins.",
		"## L'opération\n\nUne toiture de 36 kWc partage sa production avec douze foyers situés à moins de 2 km.\n\n## Résultats de la première année\n\n- taux d'autoconsommation : 78 %\n- taux d'autoproduction moyen des foyers : 24 %\n\n## Difficultés\n\nLa constitution de la personne morale organisatrice a pris six mois.",
		"retour-experience", "CC-BY-4.0", "mature", []string{"ancrage-territorial", "gouvernance-donnees"}, []string{"commune:69141"},
		[][2]string{{aMornant, "porteur"}, {aBE, "contributeur"}}, nil, nil)},
	{f: dr("Formation des agent·es territoriaux à la transition énergétique",
		"Un parcours de formation en quatre demi-journées pour les agent·es des petites collectivités.",
		"## Programme\n\n1. Les ordres de grandeur de l'énergie\n2. Le PCAET et ses leviers\n3. Monter un projet avec des citoyen·nes\n4. Suivre les consommations du patrimoine\n\n## Modalités\n\nEn présentiel, par groupe de 12, avec des études de cas locales.",
		"formation", "CC-BY-SA-4.0", "en-construction", []string{"pole-mediation", "pole-mutualisation"}, []string{"departement:66"},
		[][2]string{{aFabrique, "auteur"}, {aRegie, "partenaire"}}, nil, []Need{{Type: "financement", Text: "Prise en charge des frais de déplacement des formateur·rices"}})},
	{f: dr("Cartographie des toitures solaires potentielles",
		"Jeu de données du potentiel solaire des toitures publiques de l'agglomération, calculé à partir du cadastre et de l'ensoleillement.",
		"## Méthode\n\nSurface utile, orientation et ombrage estimés pour chaque toiture publique.\n\n## Colonnes\n\nidentifiant du bâtiment, commune, surface utile (m²), puissance possible (kWc), production estimée (MWh/an).",
		"donnees", "Etalab-2.0", "utilisable", []string{"gouvernance-donnees", "ancrage-territorial"}, []string{"epci:242900769"},
		[][2]string{{aCCA, "porteur"}, {aBE, "contributeur"}}, []Link{{URL: "https://example.org/potentiel-solaire-cca.csv", Label: "Potentiel solaire (CSV)", Type: "donnees"}}, nil)},
	{f: dr("Café de la transition : animer une rencontre mensuelle",
		"Un format simple et convivial pour parler d'énergie une fois par mois au café du village.",
		"## Ingrédients\n\nUn lieu accueillant, un thème annoncé, une personne ressource, quarante-cinq minutes d'échange.\n\n## Exemples de thèmes\n\n- lire sa facture d'électricité\n- isoler ses combles\n- rejoindre une coopérative",
		"methode", "CC0-1.0", "mature", []string{"pole-mediation", "ancrage-territorial"}, []string{"commune:69141"},
		[][2]string{{aHab, "auteur"}}, nil, nil)},
	{f: dr("Outil de simulation de la facture d'un foyer sociétaire",
		"Une calculette en ligne qui montre ce que change l'autoconsommation collective sur la facture d'un foyer.",
		"## Entrées\n\nConsommation annuelle, option tarifaire, part autoconsommée.\n\n## Sorties\n\nÉconomie annuelle estimée et part de l'électricité produite localement.",
		"outil", "MIT", "en-construction", []string{"pole-mediation", "gouvernance-donnees"}, []string{"region:84"},
		[][2]string{{aBE, "auteur"}}, []Link{{URL: "https://example.org/simulateur-facture", Label: "Essayer le simulateur", Type: "site"}},
		[]Need{{Type: "testeurs", Text: "Foyers volontaires pour comparer avec leurs vraies factures"}})},
	{f: dr("Guide juridique de la personne morale organisatrice",
		"Association, coopérative ou collectivité : quelle structure choisir pour porter une opération d'autoconsommation collective ?",
		"## Les options\n\n| Structure | Atouts | Limites |\n| --- | --- | --- |\n| Association | simple à créer | pas de partage de bénéfices |\n| SCIC | gouvernance ouverte | formalités plus lourdes |\n| Collectivité | légitimité | dépend du calendrier électoral |\n\n## Les clauses à prévoir\n\nEntrée et sortie des participant·es, clé de répartition, gestion des données.",
		"publication", "CC-BY-4.0", "utilisable", []string{"gouvernance-donnees", "pole-mutualisation"}, nil,
		[][2]string{{aFabrique, "auteur"}, {aBE, "contributeur"}}, nil, nil)},
	{f: dr("Éolienne de récupération pour un site isolé",
		"Retour d'expérience de la construction d'une petite éolienne avec un alternateur de récupération pour alimenter un refuge.",
		"## Le besoin\n\nUn refuge de montagne sans réseau, éclairé jusque-là par un groupe électrogène.\n\n## La solution\n\nUne éolienne de 500 W et un parc de batteries, construits en atelier participatif.\n\n## Bilan\n\nLe groupe électrogène ne sert plus que quelques jours par an.",
		"retour-experience", "CC-BY-SA-4.0", "utilisable", []string{"pole-mediation", "pole-recherche"}, []string{"commune:66150"},
		[][2]string{{aPrats, "porteur"}, {aLowtech, "contributeur"}}, nil, nil)},
	{f: dr("Observatoire local de l'énergie : monter un tableau de bord citoyen",
		"Comment un groupe de bénévoles publie chaque trimestre les consommations et productions de son territoire, sans exposer les foyers.",
		"## Sources\n\nDonnées publiques de consommation par commune et par secteur, productions des installations citoyennes, relevés volontaires.\n\n## Règles de publication\n\nAucun agrégat en dessous de 10 foyers ; les données individuelles restent chez les foyers.",
		"methode", "CC-BY-4.0", "utilisable", []string{"gouvernance-donnees", "pole-donnees"}, []string{"departement:69"},
		[][2]string{{aObs, "porteur"}}, nil, []Need{{Type: "donnees", Text: "Données de consommation par IRIS des communes voisines"}})},
	{f: dr("Méthanisation agricole : fiche de dialogue territorial",
		"Les questions que se posent les riverain·es d'un projet de méthanisation et les réponses documentées à leur apporter.",
		"## Les inquiétudes fréquentes\n\n- odeurs et trafic de camions\n- provenance des intrants\n- risques pour les cours d'eau\n\n## La démarche proposée\n\nVisites d'unités existantes, comité de suivi, publication des mesures d'odeurs.",
		"publication", "CC-BY-SA-4.0", "en-construction", []string{"dialogue-enr", "pole-dialogue"}, []string{"departement:29"},
		[][2]string{{aLabo, "auteur"}, {aBE, "contributeur"}}, nil, nil)},
	{f: dr("Modèle de convention de mise à disposition de toiture",
		"Un modèle de convention entre une commune et une coopérative pour installer des panneaux solaires sur un bâtiment public.",
		"## Clauses principales\n\n1. Durée (20 à 30 ans) et redevance\n2. Responsabilités en cas de travaux sur la toiture\n3. Assurance et démantèlement en fin de contrat\n\n## Conseils\n\nFaites relire la convention par les services techniques avant le conseil municipal.",
		"outil", "CC0-1.0", "mature", []string{"ancrage-territorial", "pole-mutualisation"}, []string{"epci:246900740"},
		[][2]string{{aMornant, "auteur"}, {aCCPM, "contributeur"}}, nil, nil),
		edits: []demoEdit{{"ines.bernard@demo.example", "Clause sur le démantèlement", func(f *Fields) {
			f.Body = strings.Replace(f.Body, "démantèlement en fin de contrat", "démantèlement et recyclage des panneaux en fin de contrat", 1)
		}}}},
	{f: dr("Prospective : scénarios énergétiques 2050 pour un territoire rural",
		"Trois scénarios construits avec les habitant·es pour imaginer l'énergie de la vallée en 2050, et les choix qu'ils supposent.",
		"## Les scénarios\n\n- **Sobriété partagée** : -50 % de consommation, production locale majoritaire\n- **Continuité** : rénovations lentes, dépendance aux importations\n- **Grand équipement** : gros projets portés de l'extérieur\n\n## L'atelier\n\nChaque scénario est mis en débat avec des cartes et des ordres de grandeur.",
		"publication", "CC-BY-4.0", "idee", []string{"pole-recherche", "ancrage-territorial"}, []string{"commune:66150"},
		[][2]string{{aLabo, "auteur"}, {aPrats, "contributeur"}}, nil, []Need{{Type: "contributeurs", Text: "Animateur·rices pour tester l'atelier dans d'autres vallées"}})},
	{f: dr("Rénovation énergétique des écoles : cahier des charges type",
		"Cahier des charges pour confier l'audit et la rénovation énergétique d'un groupe scolaire, avec des exigences de performance mesurée.",
		"## Exigences\n\n- audit avec mesures avant travaux\n- objectif de réduction de 40 % des consommations\n- suivi des consommations pendant trois ans après travaux\n\n## Lots\n\nIsolation, menuiseries, ventilation, chauffage.",
		"outil", "Etalab-2.0", "utilisable", []string{"pole-mutualisation"}, []string{"commune:29039"},
		[][2]string{{aCCA, "auteur"}}, nil, nil)},
	{f: dr("Atlas des communautés énergétiques de Bretagne",
		"Une carte et une fiche par communauté énergétique citoyenne de la région : statut, activités, installations.",
		"## Contenu\n\nPour chaque communauté : forme juridique, année de création, activités (production, partage, sobriété), puissance installée.\n\n## Mise à jour\n\nLes communautés mettent à jour leur fiche elles-mêmes une fois par an.",
		"donnees", "ODbL-1.0", "en-construction", []string{"ancrage-territorial", "pole-donnees"}, []string{"region:53"},
		[][2]string{{aKits, "contributeur"}, {aFabrique, "porteur"}}, nil, []Need{{Type: "donnees", Text: "Fiches des communautés du Morbihan"}})},
	{f: dr("Jeu de plateau « Watt's up » pour parler d'énergie en famille",
		"Un jeu coopératif où les joueur·euses équilibrent production et consommation d'un village sur une journée d'hiver.",
		"## Règles\n\nChaque tour représente deux heures. Les cartes événements (froid, vent, panne) obligent à coopérer.\n\n## Public\n\nÀ partir de 10 ans, parties de 45 minutes.",
		"outil", "CC-BY-SA-4.0", "utilisable", []string{"pole-mediation"}, []string{"departement:29"},
		[][2]string{{aLowtech, "auteur"}}, []Link{{URL: "https://example.org/jeu-watts-up", Label: "Planches à imprimer", Type: "documentation"}}, nil)},
	{f: dr("Séminaire inter-fabriques : mobilité et énergie",
		"Actes d'un séminaire commun avec la Fabrique des Mobilités sur la recharge solaire des véhicules partagés.",
		"## Les interventions\n\n- recharge intelligente et production solaire locale\n- autopartage rural et communautés énergétiques\n\n## Les suites\n\nUn groupe de travail commun sur les données de recharge.",
		"publication", "CC-BY-4.0", "utilisable", []string{"pole-mutualisation", "pole-recherche"}, nil,
		[][2]string{{aFabrique, "auteur"}}, nil, nil)},
	{f: dr("Protocole de mesure de la sobriété dans les bâtiments publics",
		"Mesurer l'effet des gestes de sobriété (température, horaires, veilles) dans les bâtiments publics, avec un protocole simple et reproductible.",
		"## Le protocole\n\n1. Deux semaines de mesure de référence\n2. Mise en place des gestes\n3. Deux semaines de mesure, corrigées des degrés-jours\n\n## Résultats types\n\nDe 8 à 15 % d'économie sans travaux.",
		"methode", "CC-BY-4.0", "utilisable", []string{"pole-recherche", "gouvernance-donnees"}, []string{"epci:246900740"},
		[][2]string{{aCCPM, "porteur"}, {aLabo, "contributeur"}}, nil, nil)},
	{f: dr("Boucle énergétique locale : étude de faisabilité",
		"Étude de faisabilité d'une boucle locale associant la centrale hydroélectrique, des toitures solaires et les consommations des équipements communaux.",
		"## Périmètre\n\nTous les participant·es situé·es à moins de 2 km, conformément aux règles de l'autoconsommation collective.\n\n## Conclusions\n\nLa production hydroélectrique couvrirait 60 % des besoins des équipements communaux en hiver.",
		"publication", "CC-BY-4.0", "en-construction", []string{"ancrage-territorial", "gouvernance-donnees"}, []string{"commune:66150"},
		[][2]string{{aRegie, "porteur"}, {aBE, "auteur"}, {aPrats, "partenaire"}}, nil, []Need{{Type: "financement", Text: "Étude complémentaire sur le stockage"}})},
	{f: dr("Kit de communication pour une levée de fonds citoyenne",
		"Affiches, textes et tableau de suivi pour réussir la souscription d'une coopérative énergétique locale.",
		"## Dans le kit\n\n- trois affiches modifiables\n- un argumentaire en questions-réponses\n- un tableau de suivi des souscriptions\n\n## Conseil\n\nAppuyez-vous sur les premier·es sociétaires : le bouche-à-oreille reste le meilleur canal.",
		"outil", "CC-BY-SA-4.0", "mature", []string{"ancrage-territorial", "pole-mediation"}, []string{"commune:69141"},
		[][2]string{{aMornant, "auteur"}}, nil, nil)},
	{f: dr("Note de recherche : gouvernance des données et communs énergétiques",
		"Synthèse des travaux sur les régies de données citoyennes et leur rôle dans les communautés énergétiques.",
		"## Questions de recherche\n\nQui décide de l'usage des données de consommation ? Comment rendre les foyers acteurs de ces décisions ?\n\n## Pistes\n\nJournaux d'accès consultables, consentements à l'agrégat seulement, comités d'usagers.",
		"publication", "CC-BY-4.0", "idee", []string{"gouvernance-donnees", "pole-recherche"}, nil,
		[][2]string{{aLabo, "auteur"}, {aObs, "contributeur"}}, nil, nil)},
}

// demoFile is attached to the first resource (a small CSV, so its download is a route sample).
const demoFile = "etape;duree_mois;responsable\nPremier cercle;2;habitant·es\nÉtude de faisabilité;4;bureau d'études\nStatuts et capital;3;conseil de gestion\nInstallation;6;coopérative\n"

// SeedDemo loads the demo actors and resources. users maps demo emails to their accounts;
// the first one authors the creations. It is meant to run once per store.
func (s *Service) SeedDemo(ctx context.Context, users map[string]Author, creator string) error {
	base := s.Now().Add(-120 * 24 * time.Hour).Truncate(time.Hour)
	at := func(i int) time.Time { return base.Add(time.Duration(i) * 61 * time.Hour) }
	who := users[creator]
	for i, a := range demoActors {
		f := ActorFields{Name: a.name, Kind: a.kind, Website: a.website, Description: a.desc}
		if a.place != "" {
			k, c, _ := strings.Cut(a.place, ":")
			f.Territory = &Place{Kind: k, Code: c}
		}
		if _, err := s.createActor(ctx, f, writeOpts{author: who, at: at(i), example: true, comment: "Création"}); err != nil {
			return fmt.Errorf("demo actor %q: %w", a.name, err)
		}
	}
	for i, d := range demoResources {
		r, err := s.createResource(ctx, d.f, writeOpts{author: who, at: at(i), example: true, comment: "Création"})
		if err != nil {
			return fmt.Errorf("demo resource %q: %w", d.f.Title, err)
		}
		if i == 0 {
			if _, err := s.AddAttachment(ctx, r.Slug, "fiche-etapes.csv", strings.NewReader(demoFile), who); err != nil {
				return err
			}
		}
		for k, e := range d.edits {
			cur, err := s.Resource(ctx, r.Slug)
			if err != nil {
				return err
			}
			f := cur.Fields
			e.apply(&f)
			err = s.db.Tx(ctx, func(tx *sql.Tx) error {
				refs, err := s.prepare(ctx, tx, &f)
				if err != nil {
					return err
				}
				return s.updateResourceRow(ctx, tx, cur.ID, cur.Revision, &f, refs,
					writeOpts{author: users[e.who], comment: e.comment, at: at(i).Add(time.Duration(k+1) * 20 * time.Hour)})
			})
			if err != nil {
				return fmt.Errorf("demo edit of %q: %w", r.Title, err)
			}
		}
	}
	// The demo resources carry the example flag in the row itself.
	_, err := s.db.W.ExecContext(ctx, `UPDATE commons_generation SET n = n + 1 WHERE id = 1`)
	return err
}

// DemoAccountEmails are the demo accounts the commons content refers to.
var DemoAccountEmails = []string{"camille.martin@demo.example", "yann.le-goff@demo.example", "ines.bernard@demo.example", "paul.roux@demo.example"}
