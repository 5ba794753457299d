# mailmeter — the two commands that matter: `make run` and `make test`.
GO            ?= go
BIN           := bin/mailmeter
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS       := -X main.version=$(VERSION)
DATA          ?= ./data
PORT          ?= 8080
FUZZTIME      ?= 10s

.PHONY: build run test bench lint fmt fuzz clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/mailmeter

## run: the main job on the embedded SQLite default, no setup needed.
## make run PORT=9090 DATA=/tmp/demo: another port, another demo folder.
run: build
	$(BIN) demo --data $(DATA) --listen 127.0.0.1:$(PORT)

## test: every test; PostgreSQL halves run when MAILMETER_TEST_POSTGRES is set.
## Prints go test's output, then why tests skipped and "tests: N passed, N failed, N skipped".
test:
	$(GO) run ./internal/testsummary -count=1 ./...

## bench: benchmarks print their own figures (MB/s, ratios to cat/du); one
## package at a time (-p 1), so no benchmark shares the machine with another.
bench:
	$(GO) test -p 1 -run '^$$' -bench . -benchmem -benchtime 1x -timeout 60m ./...

lint:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "not gofmt-formatted:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

fmt:
	gofmt -w $$(git ls-files '*.go')

## fuzz: each parser's fuzz target for FUZZTIME.
fuzz:
	@for t in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for f in $$(grep -h '^func Fuzz' $$t/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    echo "fuzz $$t $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$t || exit 1; \
	  done; \
	done

clean:
	rm -rf bin $(DATA)
