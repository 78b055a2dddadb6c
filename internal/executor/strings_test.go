package executor_test

import (
	"errors"
	"strings"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }
