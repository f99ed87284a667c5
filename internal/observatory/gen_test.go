package observatory

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// allCommunes lists the INSEE codes of every commune of the 18 régions.
func allCommunes(terr *territory.Referential) []string {
	var out []string
	for _, rc := range RegionCodes {
		out = append(out, terr.Communes(territory.Region, rc)...)
	}
	return out
}

// generate fills the store with n communities and m projects drawn from a
// seeded generator, in batches of a few thousand rows per transaction. It
// returns the communities as generated (public fields) for checks.
func generate(tb testing.TB, s *Service, n, m int, seed uint64) []Community {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	communes := allCommunes(s.terr)
	pick := func(e *Enum) string { c := e.Codes(); return c[rng.IntN(len(c))] }
	now := s.now()
	var out []Community
	const batch = 2000
	for start := 0; start < n; start += batch {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			for i := start; i < min(n, start+batch); i++ {
				in := CommunityInput{
					Slug: fmt.Sprintf("gen-%06d", i), Name: fmt.Sprintf("Communauté générée %d", i), LegalForm: pick(LegalForms), EUStatus: pick(EUStatuses),
					Commune: communes[rng.IntN(len(communes))], Stage: pick(Stages),
					Members: Members{rng.IntN(500), rng.IntN(5), rng.IntN(20), rng.IntN(8)},
					Principles: PrincipleSet{OpenParticipation: Assessment{Status: pick(Assessments)}, MemberControl: Assessment{Status: pick(Assessments)},
						Benefits: Assessment{Status: pick(Assessments)}},
					Contact: Contact{Email: fmt.Sprintf("c%d@gen.example", i), EmailPrivate: rng.IntN(2) == 0},
				}
				if rng.IntN(10) > 0 {
					in.FoundingYear = 1990 + rng.IntN(35)
				}
				for _, a := range Activities.Codes() {
					if rng.IntN(4) == 0 {
						in.Activities = append(in.Activities, a)
					}
				}
				c, verr := validateCommunity(s.terr, in, now)
				if verr != nil {
					return verr
				}
				c.CreatedAt, c.UpdatedAt, c.StageSince = now, now.Add(time.Duration(i)*time.Second), now
				var err error
				if c.ID, err = insertCommunity(ctx, tx, c, nil); err != nil {
					return err
				}
				if err := writeActivities(ctx, tx, c.ID, c.Activities); err != nil {
					return err
				}
				c.Contact = c.Contact.Public()
				out = append(out, c)
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	for start := 0; start < m; start += batch {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			for i := start; i < min(m, start+batch); i++ {
				owner := out[rng.IntN(len(out))]
				in := ProjectInput{Name: fmt.Sprintf("Projet %d", i), Technology: pick(Technologies), Status: pick(ProjectStatuses)}
				if rng.IntN(8) > 0 {
					in.CapacityKW = ptr(float64(rng.IntN(50000)) / 10)
				}
				if rng.IntN(3) > 0 {
					in.ProductionMWh = ptr(float64(rng.IntN(100000)) / 10)
				}
				// Most projects sit in their community's commune, some elsewhere.
				if rng.IntN(5) == 0 {
					in.Commune = communes[rng.IntN(len(communes))]
				}
				p, verr := validateProject(s.terr, in, owner.Place.Commune)
				if verr != nil {
					return verr
				}
				p.CommunityID, p.CreatedAt, p.UpdatedAt = owner.ID, now, now
				if _, err := insertProject(ctx, tx, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out
}
