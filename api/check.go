package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/policy"
)

// quotaCheckJSON is the answer of GET /v1/quota/check: the policy
// server's decision for MTAs other than Postfix (Exim) and webmail.
type quotaCheckJSON struct {
	Action   string `json:"action"` // DUNNO, or "CODE ENHANCED TEXT" as the policy server answers
	Refused  bool   `json:"refused"`
	Code     int    `json:"code,omitempty"`
	Enhanced string `json:"enhanced_status,omitempty"`
	Message  string `json:"message,omitempty"`
	Check    string `json:"check"`
	Mailbox  string `json:"mailbox,omitempty"`
}

// quotaCheck answers: may this recipient receive (and this authenticated
// sender send) a message of this size now?
func (a *app) quotaCheck(c *gin.Context) {
	size, err := queryInt(c, "size", 0)
	recipients, rerr := queryInt(c, "recipients", 0)
	err = first(err, rerr)
	req := policy.Request{Request: "smtpd_access_policy", ProtocolState: "RCPT", Recipient: c.Query("recipient"),
		SASLUsername: c.Query("sasl_username"), Size: size}
	switch stage := c.DefaultQuery("stage", "rcpt"); {
	case err != nil:
	case stage == "data":
		req.ProtocolState, req.Recipient, req.RecipientCount = "END-OF-MESSAGE", "", recipients
		if req.SASLUsername == "" {
			err = metering.FieldError("sasl_username", "stage=data checks a sender: sasl_username is required")
		}
	case stage != "rcpt":
		err = metering.FieldError("stage", "stage %q: want rcpt or data", stage)
	case req.Recipient == "":
		err = metering.FieldError("recipient", "recipient is required at stage rcpt")
	default:
		if _, cerr := metering.CanonicalMailbox(req.Recipient, ""); cerr != nil {
			err = metering.FieldError("recipient", "recipient: %v", cerr)
		}
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	dec := a.Policy.Decide(c.Request.Context(), req)
	if dec.Refused() {
		// The figures are for the log; the message goes to a remote sender.
		a.log.Info("quota check refused", "recipient", req.Recipient, "sasl_username", req.SASLUsername, "mailbox", dec.Mailbox,
			"check", dec.Check, "action", dec.Action, "detail", dec.Detail)
	}
	c.JSON(http.StatusOK, quotaCheckJSON{Action: dec.Action, Refused: dec.Refused(), Code: dec.Code, Enhanced: dec.Enhanced,
		Message: dec.Text, Check: dec.Check, Mailbox: dec.Mailbox})
}
