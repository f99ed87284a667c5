package acc

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie"
)

// ConsentOption is a consent an organiser may use for an operation: given
// to a recipient the organiser acts for, for the collective
// self-consumption purpose.
type ConsentOption struct {
	ID        int64
	Recipient string
	Subject   string // the household's pseudonym
	PRMs      []string
	Communes  []string
	Status    string
	Active    bool
	From, To  time.Time
}

// ConsentLister lists the consents a user may use (the simulator and the
// operation form offer them).
type ConsentLister interface {
	Consents(ctx context.Context, who *web.Identity) ([]ConsentOption, error)
	// ReadConsent reads one meter's curve under a consent over [from, to).
	ReadConsent(ctx context.Context, who *web.Identity, consentID int64, prm string, consumer bool, from, to time.Time, step time.Duration) (Reading, error)
}

// RegieSource reads curves through the data trust's one door. Every read
// is checked against the consent at that instant and journaled there.
type RegieSource struct {
	R *regie.Service
}

var (
	_ CurveSource   = RegieSource{}
	_ ConsentLister = RegieSource{}
)

// consent finds a consent among those of the recipients who acts for.
func (s RegieSource) consent(ctx context.Context, who *web.Identity, id int64) (regie.Consent, regie.Reader, error) {
	if who == nil {
		return regie.Consent{}, regie.Reader{}, errs.New(errs.Forbidden, "Connexion requise.", "Sign-in required.")
	}
	rs, err := s.R.RecipientsOf(ctx, who.UserID)
	if err != nil {
		return regie.Consent{}, regie.Reader{}, err
	}
	for _, r := range rs {
		rd := regie.Reader{UserID: who.UserID, RecipientID: r.ID, Via: "acc"}
		c, err := s.R.RecipientConsent(ctx, rd, id)
		if err == nil {
			return c, rd, nil
		}
		if !errs.Is(err, errs.Forbidden) && !errs.Is(err, errs.NotFound) {
			return regie.Consent{}, rd, err
		}
	}
	return regie.Consent{}, regie.Reader{}, errs.New(errs.Forbidden,
		fmt.Sprintf("le consentement n° %d n'a pas été donné à une structure pour laquelle vous agissez.", id),
		fmt.Sprintf("consent %d was not given to an organisation you act for.", id))
}

// CheckConsent verifies the consent's purpose and that it covers p's meter.
func (s RegieSource) CheckConsent(ctx context.Context, who *web.Identity, p Participant) error {
	c, _, err := s.consent(ctx, who, p.ConsentID)
	if err != nil {
		return err
	}
	if c.Purpose != regie.PurposeACC {
		return errs.New(errs.Forbidden, fmt.Sprintf("le consentement n° %d a été donné pour une autre finalité que l'autoconsommation collective.", c.ID),
			fmt.Sprintf("consent %d was given for another purpose than collective self-consumption.", c.ID))
	}
	if !slices.Contains(c.PRMs(), p.PRM) {
		return errs.New(errs.Forbidden, fmt.Sprintf("le consentement n° %d ne couvre pas le PRM %s.", c.ID, p.PRM),
			fmt.Sprintf("consent %d does not cover PRM %s.", c.ID, p.PRM))
	}
	return nil
}

// Read reads p's curve under its consent, over the consent's period.
func (s RegieSource) Read(ctx context.Context, who *web.Identity, p Participant, step time.Duration) (Reading, error) {
	c, rd, err := s.consent(ctx, who, p.ConsentID)
	if err != nil {
		return Reading{}, err
	}
	return s.read(ctx, rd, c.ID, p.PRM, p.Role == Consumer, time.Time{}, time.Time{}, step)
}

func (s RegieSource) read(ctx context.Context, rd regie.Reader, consentID int64, prm string, consumer bool, from, to time.Time, step time.Duration) (Reading, error) {
	flow := regie.FlowConsumption
	if !consumer {
		flow = regie.FlowProduction
	}
	cv, err := s.R.ReadCurve(ctx, regie.CurveRequest{Reader: rd, ConsentID: consentID, PRM: prm, Flow: flow, From: from, To: to,
		Step: regie.StepOf(step), Purpose: regie.PurposeACC})
	if err != nil {
		return Reading{}, err
	}
	st := cv.Step.Fixed()
	if st <= 0 {
		return Reading{}, errs.New(errs.Invalid, "Ce consentement ne donne que des énergies journalières : la répartition demande une courbe de charge.",
			"This consent only gives daily energies: the allocation needs a load curve.")
	}
	return Reading{Start: cv.Start, Step: st, Values: cv.Values, Present: cv.Present}, nil
}

// Consents lists the collective self-consumption consents of the
// recipients who acts for.
func (s RegieSource) Consents(ctx context.Context, who *web.Identity) ([]ConsentOption, error) {
	if who == nil {
		return nil, nil
	}
	rs, err := s.R.RecipientsOf(ctx, who.UserID)
	if err != nil {
		return nil, err
	}
	var out []ConsentOption
	now := time.Now()
	for _, r := range rs {
		cs, err := s.R.RecipientConsents(ctx, regie.Reader{UserID: who.UserID, RecipientID: r.ID, Via: "acc"}, "")
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.Purpose != regie.PurposeACC || c.Erased {
				continue
			}
			o := ConsentOption{ID: c.ID, Recipient: r.Name, Subject: c.Subject, PRMs: c.PRMs(), Status: string(c.Status), Active: c.Active(now), From: c.DataFrom, To: c.DataTo}
			for _, m := range c.Meters {
				o.Communes = append(o.Communes, m.Commune)
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// ReadConsent reads a curve for the simulator.
func (s RegieSource) ReadConsent(ctx context.Context, who *web.Identity, consentID int64, prm string, consumer bool, from, to time.Time, step time.Duration) (Reading, error) {
	c, rd, err := s.consent(ctx, who, consentID)
	if err != nil {
		return Reading{}, err
	}
	if prm == "" {
		if ps := c.PRMs(); len(ps) > 0 {
			prm = ps[0]
		}
	}
	return s.read(ctx, rd, c.ID, prm, consumer, from, to, step)
}
