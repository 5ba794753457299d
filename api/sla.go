package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

// slaRoutes are the service-level routes: the monthly report, incidents
// and maintenance windows.
func (a *app) slaRoutes(v1 *gin.RouterGroup) {
	admin, tenant, reporters := roles(RoleAdmin), roles(RoleAdmin, RoleCustomer), roles(RoleAdmin, RoleService)
	v1.GET("/sla/report", a.allow(tenant), a.slaReport)
	v1.POST("/sla/incidents", a.allow(reporters), a.addIncident)
	v1.GET("/sla/incidents", a.allow(admin), a.listIncidents)
	v1.DELETE("/sla/incidents/:id", a.allow(admin), a.deleteIncident)
	v1.POST("/sla/maintenance", a.allow(admin), a.addMaintenance)
	v1.GET("/sla/maintenance", a.allow(admin), a.listMaintenance)
	v1.DELETE("/sla/maintenance/:id", a.allow(admin), a.deleteMaintenance)
}

// slaReport answers the monthly report: a customer's own (in its zone,
// with its plan's credit), or for an admin any customer's or the
// service-wide one.
func (a *app) slaReport(c *gin.Context) {
	in := sla.ReportInput{Period: c.Query("period"), Customer: c.Query("customer")}
	if p := principal(c); p.Role == RoleCustomer {
		if in.Customer != "" && in.Customer != p.Subject {
			a.fail(c, notFound("customer", in.Customer))
			return
		}
		in.Customer = p.Subject
	}
	rep, err := a.SLA.Report(c.Request.Context(), in)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

type incidentIn struct {
	Service string `json:"service"`
	Start   string `json:"start"`
	End     string `json:"end"`
	Reason  string `json:"reason"`
}

type maintenanceIn struct {
	Service   string `json:"service"`
	Start     string `json:"start"`
	End       string `json:"end"`
	Announced string `json:"announced"`
	Reason    string `json:"reason"`
}

func (a *app) addIncident(c *gin.Context) {
	var in incidentIn
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	start, serr := bodyTime("start", in.Start)
	end, eerr := bodyTime("end", in.End)
	if err := first(serr, eerr); err != nil {
		a.fail(c, err)
		return
	}
	inc, err := a.SLA.AddIncident(c.Request.Context(), sla.IncidentInput{Service: in.Service, Start: start, End: end, Reason: in.Reason})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", "/v1/sla/incidents/"+strconv.FormatInt(inc.ID, 10))
	c.JSON(http.StatusCreated, inc)
}

func (a *app) addMaintenance(c *gin.Context) {
	var in maintenanceIn
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	start, serr := bodyTime("start", in.Start)
	end, eerr := bodyTime("end", in.End)
	announced, aerr := bodyTime("announced", in.Announced)
	if err := first(serr, eerr, aerr); err != nil {
		a.fail(c, err)
		return
	}
	m, err := a.SLA.AddMaintenance(c.Request.Context(), sla.MaintenanceInput{Service: in.Service, Start: start, End: end, Announced: announced, Reason: in.Reason})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", "/v1/sla/maintenance/"+strconv.FormatInt(m.ID, 10))
	c.JSON(http.StatusCreated, m)
}

func (a *app) listIncidents(c *gin.Context) {
	q, err := windowQuery(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	incs, err := a.SLA.Incidents(c.Request.Context(), q)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(incs, ""))
}

func (a *app) listMaintenance(c *gin.Context) {
	q, err := windowQuery(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	ms, err := a.SLA.Maintenance(c.Request.Context(), q)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(ms, ""))
}

func (a *app) deleteIncident(c *gin.Context) {
	id, err := pathID(c)
	if err == nil {
		err = a.SLA.DeleteIncident(c.Request.Context(), id)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *app) deleteMaintenance(c *gin.Context) {
	id, err := pathID(c)
	if err == nil {
		err = a.SLA.DeleteMaintenance(c.Request.Context(), id)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// windowQuery reads ?service&from&to of a list of incidents or windows.
func windowQuery(c *gin.Context) (sla.WindowQuery, error) {
	from, ferr := queryTime(c, "from")
	to, terr := queryTime(c, "to")
	return sla.WindowQuery{Service: c.Query("service"), From: from, To: to}, first(ferr, terr)
}

// bodyTime parses an RFC 3339 time of a body field ("" = zero).
func bodyTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, metering.FieldError(field, "%s %q: want RFC 3339, e.g. 2026-01-31T00:00:00Z", field, v)
	}
	return t, nil
}

// pathID reads the :id parameter, a positive integer.
func pathID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, metering.FieldError("id", "id %q: want a positive integer", c.Param("id"))
	}
	return id, nil
}
