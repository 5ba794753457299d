package api

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/metering"
)

// Media types of an invoice, in the order of preference among equals.
const (
	mediaJSON = "application/json"
	mediaPDF  = "application/pdf"
	mediaCSV  = "text/csv"
	mediaXML  = "application/xml" // UBL 2.1
)

var (
	invoiceTypes    = []string{mediaJSON, mediaPDF, mediaCSV, mediaXML}
	invoiceSuffixes = map[string]string{".json": mediaJSON, ".pdf": mediaPDF, ".csv": mediaCSV, ".xml": mediaXML}
	mediaExt        = map[string]string{mediaPDF: ".pdf", mediaCSV: ".csv", mediaXML: ".xml"}
)

// renderInvoice writes r in a media type; a document that cannot be made
// (a draft as UBL) is the writer's problem, answered before any byte.
func (a *app) renderInvoice(c *gin.Context, r billing.Record, media string) {
	c.Header("Vary", "Accept")
	if media == mediaJSON {
		c.JSON(http.StatusOK, invoiceOut(r))
		return
	}
	var b bytes.Buffer
	var err error
	ct := media
	switch media {
	case mediaPDF:
		err = billing.WritePDF(&b, r)
	case mediaCSV:
		err, ct = billing.WriteCSV(&b, r), media+"; charset=utf-8"
	case mediaXML:
		err, ct = billing.WriteUBL(&b, r), media+"; charset=utf-8"
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	name := r.Number
	if name == "" {
		name = r.ID
	}
	c.Header("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name + mediaExt[media]}))
	c.Data(http.StatusOK, ct, b.Bytes())
}

// negotiate picks the offered media type the Accept header prefers
// (highest q, then the order offered; no header = the first offered). It
// returns a NotAcceptable error naming the offered types when none is
// acceptable.
func negotiate(accept string, offered []string) (string, error) {
	if strings.TrimSpace(accept) == "" {
		return offered[0], nil
	}
	best, bestQ := "", 0.0
	for _, o := range offered {
		if q := acceptQ(accept, o); q > bestQ {
			best, bestQ = o, q
		}
	}
	if best == "" {
		return "", metering.Errorf(NotAcceptable, "none of %q is offered; ask for one of %s", accept, strings.Join(offered, ", "))
	}
	return best, nil
}

// acceptQ is the quality the Accept header gives a media type: that of
// its most specific matching range (type/sub, type/*, */*), 0 if none.
func acceptQ(accept, media string) float64 {
	typ, _, _ := strings.Cut(media, "/")
	q, specificity := 0.0, -1
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		s := -1
		switch {
		case mt == media:
			s = 2
		case mt == typ+"/*":
			s = 1
		case mt == "*/*":
			s = 0
		}
		if s <= specificity {
			continue
		}
		v := 1.0
		if qs, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(qs, 64); err == nil && f >= 0 && f <= 1 {
				v = f
			}
		}
		q, specificity = v, s
	}
	return q
}
