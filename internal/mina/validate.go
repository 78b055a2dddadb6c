package mina

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Validation shared by every store. Bounds on what a store accepts: the HTTP layer may check
// earlier; the store checks anyway, since it is the last line before the data.
const (
	maxTitle       = 200   // characters, meetings and tasks
	maxDescription = 10000 // characters
	maxEmail       = 254   // characters (RFC 5321's path limit)
	maxName        = 200   // characters
	maxDuration    = 1440  // minutes: one day
	maxDays        = 365   // analytics window
	defaultPerPage = 20
)

// minTime and maxTime bound every stored time: no meeting predates Unix time, and four-digit
// years keep RFC 3339 round trips exact.
var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// CheckText requires a non-blank, valid UTF-8 value of at most max characters.
func CheckText(field, v string, max int, required bool) error {
	switch {
	case !utf8.ValidString(v):
		return Invalid(field, "%s is not valid UTF-8.", field)
	case required && strings.TrimSpace(v) == "":
		return Invalid(field, "%s is required.", field)
	case utf8.RuneCountInString(v) > max:
		return Invalid(field, "%s is longer than %d characters.", field, max)
	case strings.ContainsRune(v, 0):
		return Invalid(field, "%s contains a NUL character.", field)
	}
	return nil
}

// CheckTime requires a time within [minTime, maxTime).
func CheckTime(field string, t time.Time) error {
	if t.Before(minTime) || !t.Before(maxTime) {
		return Invalid(field, "%s must be between 1970-01-01 and 9999-12-31.", field)
	}
	return nil
}

// ValidateUser checks a new user: an email address and an optional name.
func ValidateUser(email, name string) error {
	if err := CheckText("email", email, maxEmail, true); err != nil {
		return err
	}
	if at := strings.IndexByte(email, '@'); at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n") {
		return Invalid("email", "email %q is not an address.", email)
	}
	return CheckText("name", name, maxName, false)
}

// ValidateMeeting checks a meeting before it is stored: title, description, start and a
// duration of 1 minute to a day.
func ValidateMeeting(m *Meeting) error {
	if err := CheckText("title", m.Title, maxTitle, true); err != nil {
		return err
	}
	if err := CheckText("description", m.Description, maxDescription, false); err != nil {
		return err
	}
	if err := CheckTime("starts_at", m.StartsAt); err != nil {
		return err
	}
	if m.DurationMinutes < 1 || m.DurationMinutes > maxDuration {
		return Invalid("duration_minutes", "duration_minutes must be between 1 and %d, not %d.", maxDuration, m.DurationMinutes)
	}
	return nil
}

// ValidateTask checks a task before it is stored: title, status and due date.
func ValidateTask(t *Task) error {
	if err := CheckText("title", t.Title, maxTitle, true); err != nil {
		return err
	}
	if !ValidStatus(t.Status) {
		return Invalid("status", "status must be pending, in_progress or done, not %q.", t.Status)
	}
	if t.DueAt != nil {
		return CheckTime("due_at", *t.DueAt)
	}
	return nil
}

// PageBounds fills a page's zero fields with defaults (page 1, 20 per page) and checks it.
// The offset is 64-bit: a huge page number is past the end, not an overflow.
func PageBounds(p Page) (page, perPage int, offset int64, err error) {
	page, perPage = p.Page, p.PerPage
	if page == 0 {
		page = 1
	}
	if perPage == 0 {
		perPage = defaultPerPage
	}
	if page < 1 {
		return 0, 0, 0, Invalid("page", "page must be 1 or more, not %d.", p.Page)
	}
	if perPage < 1 || perPage > MaxPerPage {
		return 0, 0, 0, Invalid("per_page", "per_page must be between 1 and %d, not %d.", MaxPerPage, p.PerPage)
	}
	if int64(page-1) > math.MaxInt64/int64(perPage) {
		return page, perPage, math.MaxInt64, nil
	}
	return page, perPage, int64(page-1) * int64(perPage), nil
}

// ValidateDays checks an analytics window: 1 to 365 days.
func ValidateDays(days int) error {
	if days < 1 || days > maxDays {
		return Invalid("days", "days must be between 1 and %d, not %d.", maxDays, days)
	}
	return nil
}

// Window returns the UTC days that an analytics query over days ending at now covers:
// [first, end), whole days, today included.
func Window(days int, now time.Time) (first, end time.Time) {
	today := now.UTC().Truncate(24 * time.Hour)
	return today.AddDate(0, 0, 1-days), today.AddDate(0, 0, 1)
}
