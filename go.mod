module github.com/ramp-dev/ramp

go 1.26.8
