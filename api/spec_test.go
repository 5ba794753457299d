package api_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/openapi"
)

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// Every route of the router is in the spec, and the spec names no route
// the router lacks.
func TestSpecMatchesRouter(t *testing.T) {
	e := sqliteEnv(t)
	var got []string
	for _, r := range e.router.(*gin.Engine).Routes() {
		got = append(got, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			want = append(want, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes (-spec +router):\n%s", diff)
	}
}

// The spec is served as it is embedded.
func TestServeSpec(t *testing.T) {
	e := sqliteEnv(t)
	rec := e.do(http.MethodGet, "/openapi.yaml", "", nil)
	if rec.Code != 200 || rec.Body.String() != string(openapi.Spec) || !strings.HasPrefix(rec.Body.String(), "openapi: 3.1") {
		t.Errorf("GET /openapi.yaml: %d, %.40q", rec.Code, rec.Body.String())
	}
}
