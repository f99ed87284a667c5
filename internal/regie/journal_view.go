package regie

import (
	"context"
	"fmt"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// journalLine is a journal entry told in plain words: who, what, why, and
// what came of it.
type journalLine struct {
	Seq     int64
	At      time.Time
	Who     string
	What    string
	Why     string
	Result  string
	Refused bool
	Own     bool
	Hash    string
	Consent int64
}

// meterNames maps meter ids to PRMs for the household's own meters.
func (s *Service) meterNames(ctx context.Context, userID int64) map[int64]string {
	out := map[int64]string{}
	ms, err := s.Meters(ctx, userID)
	if err != nil {
		return out
	}
	for _, m := range ms {
		out[m.ID] = m.PRM
	}
	return out
}

func purposeName(code, lang string) string {
	if p, ok := PurposeByCode(code); ok {
		return p.Name.In(lang)
	}
	return code
}

func ruleText(rule, lang string) string {
	fr, en := rule, rule
	switch Rule(rule) {
	case RuleConsent:
		fr, en = "pas de consentement donné à ce destinataire", "no consent given to this recipient"
	case RuleStatus:
		fr, en = "consentement non donné, refusé ou retiré", "consent not given, refused or withdrawn"
	case RuleExpired:
		fr, en = "consentement expiré", "consent expired"
	case RulePurpose:
		fr, en = "finalité différente", "different purpose"
	case RuleMode:
		fr, en = "totaux anonymes seulement", "anonymous totals only"
	case RuleMeter:
		fr, en = "compteur non couvert", "meter not covered"
	case RuleCategory:
		fr, en = "catégorie de données non couverte", "data category not covered"
	case RulePeriod:
		fr, en = "hors de la période autorisée", "outside the allowed period"
	case RuleCohort:
		fr, en = "moins de foyers que le seuil du secret statistique", "fewer households than the secrecy threshold"
	case RuleDifferencing:
		fr, en = "trop proche d'un total déjà fourni (soustraction possible)", "too close to a total already released (subtraction possible)"
	}
	if lang == "en" {
		return en
	}
	return fr
}

// describe tells an entry to the household it concerns.
func describe(e Entry, lang string, meters map[int64]string) journalLine {
	l := journalLine{Seq: e.Seq, At: e.At, Hash: e.Hash, Consent: e.Consent, Refused: e.Outcome == OutcomeRefused}
	T := func(fr, en string) string {
		if lang == "en" {
			return en
		}
		return fr
	}
	meter := ""
	for _, id := range e.Meters {
		if p, ok := meters[id]; ok {
			if meter != "" {
				meter += ", "
			}
			meter += p
		}
	}
	if meter == "" && len(e.Meters) > 0 {
		meter = T("un compteur supprimé depuis", "a meter since deleted")
		if len(e.Meters) > 1 {
			meter = fmt.Sprintf(T("%d compteurs", "%d meters"), len(e.Meters))
		}
	}
	period := ""
	if e.From != nil && e.To != nil {
		period = fmt.Sprintf(T(" du %s au %s", " from %s to %s"), web.FormatDateTime(lang, *e.From), web.FormatDateTime(lang, *e.To))
	}
	step := ""
	if e.Step != "" {
		step = fmt.Sprintf(T(" (pas : %s)", " (step: %s)"), Step(e.Step).Label(lang))
	}
	switch e.Actor {
	case ActorHousehold:
		l.Who = T("Vous", "You")
	case ActorRecipient:
		l.Who = e.RecipientName
	case ActorAdmin:
		l.Who = T("Administration du site", "Site administration")
	default:
		l.Who = T("Fabrique (automatique)", "Fabrique (automatic)")
	}
	if e.Purpose != "" {
		l.Why = purposeName(e.Purpose, lang)
	}
	consent := ""
	if e.Consent != 0 {
		consent = fmt.Sprintf(T(", consentement n° %d", ", consent no. %d"), e.Consent)
	}
	l.Result = T("effectué", "done")
	switch e.Kind {
	case JRead:
		l.What = fmt.Sprintf(T("a lu les relevés du compteur %s%s%s%s", "read the readings of meter %s%s%s%s"), meter, period, step, consent)
		l.Result = T("accès accordé", "access granted")
	case JReadRefused:
		l.What = fmt.Sprintf(T("a tenté de lire les relevés du compteur %s%s%s", "tried to read the readings of meter %s%s%s"), meter, period, consent)
		l.Result = fmt.Sprintf(T("accès refusé : %s", "access refused: %s"), ruleText(e.Rule, lang))
	case JOwnRead:
		l.Own = true
		l.What = fmt.Sprintf(T("avez consulté les relevés du compteur %s%s%s", "viewed the readings of meter %s%s%s"), meter, period, step)
		l.Why = T("consultation de vos propres données", "viewing your own data")
	case JAggregate:
		l.What = fmt.Sprintf(T("a obtenu un total anonyme de %d compteurs, dont le vôtre,%s%s", "obtained an anonymous total of %d meters, yours included,%s%s"), e.Cohort, period, step)
		l.Result = T("total fourni (secret statistique respecté)", "total released (statistical secrecy kept)")
	case JAggregateRefused:
		l.What = fmt.Sprintf(T("a demandé un total de %d compteurs incluant le vôtre%s", "asked for a total of %d meters including yours%s"), e.Cohort, period)
		l.Result = fmt.Sprintf(T("refusé : %s", "refused: %s"), ruleText(e.Rule, lang))
	case JConsentRequested:
		l.What = fmt.Sprintf(T("vous a demandé un consentement%s", "asked you for a consent%s"), consent)
		l.Result = T("en attente de votre réponse", "awaiting your answer")
	case JConsentGiven:
		l.What = fmt.Sprintf(T("avez donné votre consentement%s", "gave your consent%s"), consent)
	case JConsentRefused:
		l.What = fmt.Sprintf(T("avez refusé la demande%s", "refused the request%s"), consent)
	case JConsentWithdrawn:
		l.What = fmt.Sprintf(T("avez retiré votre consentement%s", "withdrew your consent%s"), consent)
		if e.Detail == "account erased" {
			l.What += T(" (suppression du compte)", " (account deleted)")
		}
	case JConsentExpired:
		l.What = fmt.Sprintf(T("a clos le consentement arrivé à échéance%s", "closed the consent that reached its end%s"), consent)
	case JImport:
		l.What = fmt.Sprintf(T("avez importé un fichier de relevés pour le compteur %s%s", "imported a readings file for meter %s%s"), meter, period)
		l.Why = T("dépôt de vos données", "storing your data")
	case JExport:
		l.What = T("avez téléchargé l'export de toutes vos données", "downloaded the export of all your data")
		l.Why = T("droit d'accès et de portabilité", "right of access and portability")
	case JMeterAdded:
		l.What = fmt.Sprintf(T("avez ajouté le compteur %s", "added meter %s"), meter)
	case JMeterDeleted:
		l.What = T("avez supprimé un compteur et ses relevés", "deleted a meter and its readings")
	case JErasure:
		l.What = T("avez supprimé votre compte : relevés et consentements effacés", "deleted your account: readings and consents erased")
	default:
		l.What = e.Kind
	}
	return l
}
