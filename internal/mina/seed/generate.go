package seed

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// Word lists for names and titles.
var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis",
		"Radia", "John", "Sophie", "Leslie", "Katherine", "Niklaus", "Hedy", "Tim", "Lynn", "Guido"}
	lastNames = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton",
		"Ritchie", "Perlman", "Backus", "Wilson", "Lamport", "Johnson", "Wirth", "Lamarr", "Berners-Lee", "Conway", "van Rossum"}
	meetingKinds = []string{"Weekly sync", "Planning", "Retrospective", "1:1", "Design review", "Standup", "Kickoff",
		"Demo", "Incident review", "Roadmap review", "Budget review", "Hiring panel", "Customer call", "Brainstorm"}
	topics = []string{"checkout", "search", "onboarding", "billing", "mobile app", "API v2", "data pipeline", "pricing",
		"Q3 goals", "security audit", "load tests", "dashboard", "migration", "release 4.2", "support backlog"}
	verbs = []string{"Draft", "Review", "Send", "Update", "Fix", "Schedule", "Write", "Investigate", "Share", "Prepare",
		"Benchmark", "Document", "Follow up on", "Estimate", "Test"}
	objects = []string{"the proposal", "meeting notes", "the budget", "the slow query", "the rollout plan", "a demo",
		"the API docs", "customer feedback", "the runbook", "the test plan", "the metrics", "the contract"}
	durations = []int{15, 30, 30, 30, 45, 60, 60, 90, 120}
)

// generator makes rows from one random source.
type generator struct {
	r   *rand.Rand
	now time.Time
}

func (g *generator) pick(words []string) string { return words[g.r.IntN(len(words))] }

// users makes n users with unique emails: the run's time in the domain keeps two seeds of
// one database apart.
func (g *generator) users(n int) []mina.User {
	run := strconv.FormatInt(g.now.UnixMilli(), 36)
	users := make([]mina.User, n)
	for i := range users {
		first, last := g.pick(firstNames), g.pick(lastNames)
		users[i] = mina.User{
			Name:      first + " " + last,
			Email:     fmt.Sprintf("user%d@seed-%s.example.com", i+1, run),
			CreatedAt: g.now.Add(-Span - time.Duration(g.r.Int64N(int64(30*24*time.Hour)))),
		}
	}
	return users
}

// meetings makes n meetings of users chosen at random, starting on a quarter hour during
// working hours (08:00-18:00 UTC) of the last 90 days, created up to a week before.
func (g *generator) meetings(users []mina.User, n int) []mina.Meeting {
	ms := make([]mina.Meeting, n)
	for i := range ms {
		day := g.now.Truncate(24*time.Hour).AddDate(0, 0, -g.r.IntN(90))
		starts := day.Add(8*time.Hour + time.Duration(g.r.IntN(40))*15*time.Minute)
		if starts.After(g.now) {
			starts = starts.AddDate(0, 0, -1) // today's later slots have not happened yet
		}
		created := starts.Add(-time.Duration(g.r.Int64N(int64(7 * 24 * time.Hour))))
		ms[i] = mina.Meeting{
			UserID:          users[g.r.IntN(len(users))].ID,
			Title:           g.pick(meetingKinds) + ": " + g.pick(topics),
			StartsAt:        starts,
			DurationMinutes: durations[g.r.IntN(len(durations))],
			CreatedAt:       created,
		}
		if g.r.IntN(3) > 0 {
			ms[i].Description = "Agenda: " + g.pick(topics) + ", " + g.pick(topics) + "."
		}
	}
	return ms
}

// tasks makes 0-5 tasks per meeting, created when the meeting ends; about 45% are done (some
// days later), 20% in progress and 35% pending, and most have a due date.
func (g *generator) tasks(ms []mina.Meeting) []mina.Task {
	var ts []mina.Task
	for _, m := range ms {
		for range g.r.IntN(6) {
			created := m.StartsAt.Add(time.Duration(m.DurationMinutes) * time.Minute)
			if created.After(g.now) {
				created = g.now
			}
			t := mina.Task{
				UserID:    m.UserID,
				MeetingID: m.ID,
				Title:     g.pick(verbs) + " " + g.pick(objects),
				CreatedAt: created,
				UpdatedAt: created,
			}
			switch p := g.r.IntN(100); {
			case p < 45:
				t.Status = mina.StatusDone
				t.UpdatedAt = minTime(created.Add(time.Duration(g.r.Int64N(int64(5*24*time.Hour)))), g.now)
			case p < 65:
				t.Status = mina.StatusInProgress
			default:
				t.Status = mina.StatusPending
			}
			if g.r.IntN(10) < 7 {
				due := created.Truncate(24*time.Hour).AddDate(0, 0, 1+g.r.IntN(14)).Add(17 * time.Hour)
				t.DueAt = &due
			}
			ts = append(ts, t)
		}
	}
	return ts
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
