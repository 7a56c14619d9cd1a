package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/tokens"
)

// Form fields and notices of the tokens page.
const (
	fieldName    = "name"
	fieldScope   = "scope"
	doneRevoked  = "revoked"
	tokensPath   = prefix + "/tokens"
	maxScopeForm = 16 // scope fields a form may carry: every scope, ticked twice over
)

// scopeNotes say what each scope opens, on the form that gives it.
var scopeNotes = map[access.Scope]string{
	access.ScopeReadOrders:    "Read orders, their timelines, messages and the inbox.",
	access.ScopeOperateOrders: "Resolve exceptions, resend messages, change channels, replay inbound events.",
	access.ScopeWebhooks:      "Manage webhook endpoints, feeds and connectors.",
	access.ScopeVoice:         "The voice assistant's tools (/voice).",
	access.ScopeDriver:        "A driver's report_delay on /voice.",
	access.ScopeAdmin:         "Everything, with tokens, privacy requests and the audit trail.",
}

func (con *Console) routeTokens(g *echo.Group) {
	m := need(access.ScopeAdmin)
	g.GET("/tokens", con.tokens, m)
	g.POST("/tokens", con.createToken, m)
	g.POST("/tokens/:id/revoke", con.revokeToken, m)
}

// scopeOption is a scope as the form offers it.
type scopeOption struct {
	Scope   access.Scope
	About   string
	Checked bool
}

// tokensView is what tokens.html draws: the tokens and the form that makes one.
type tokensView struct {
	Tokens  []tokens.Token
	Name    string
	Scopes  []scopeOption
	Problem string
}

func scopeOptions(checked []access.Scope) []scopeOption {
	out := make([]scopeOption, len(access.Scopes))
	for i, s := range access.Scopes {
		out[i] = scopeOption{Scope: s, About: scopeNotes[s], Checked: slices.Contains(checked, s)}
	}
	return out
}

// tokens lists every named token, live first, and offers the form that makes one.
func (con *Console) tokens(c echo.Context) error {
	notice := ""
	if c.QueryParam("done") == doneRevoked {
		notice = "Revoked: the token opens nothing from now on, and its console sessions have ended."
	}
	return con.tokensPage(c, http.StatusOK, notice, tokensView{Scopes: scopeOptions(nil)})
}

func (con *Console) tokensPage(c echo.Context, status int, notice string, v tokensView) error {
	ts, err := tokens.List(c.Request().Context(), con.DB)
	if err != nil {
		return err
	}
	v.Tokens = ts
	return render(c, status, "tokens", view{Title: "Tokens", Nav: navTokens, Notice: notice, Data: v})
}

// formProblem is what is wrong with a form, in the words the page shows under it.
type formProblem string

func (p formProblem) Error() string { return string(p) }

// readTokenForm reads the name and the ticked scopes of the form that makes a token.
func readTokenForm(form url.Values) (string, []access.Scope, error) {
	name := form.Get(fieldName)
	given := form[fieldScope]
	if len(given) > maxScopeForm {
		return "", nil, formProblem("The form carries more scopes than there are.")
	}
	var scopes []access.Scope
	for _, v := range given {
		s, ok := access.ParseScope(v)
		if !ok {
			return "", nil, formProblem(fmt.Sprintf("%q is not a scope.", v[:min(len(v), 32)]))
		}
		scopes = append(scopes, s)
	}
	if len(scopes) == 0 {
		return name, nil, formProblem("Tick at least one scope.")
	}
	if err := tokens.Check(name, scopes); err != nil {
		return name, scopes, formProblem("The name is 1 to 32 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit.")
	}
	return name, scopes, nil
}

// tokenSecretView is what token_secret.html draws.
type tokenSecretView struct {
	Token  tokens.Token
	Secret string
}

// createToken makes a token from the form and shows its text on the page that answers, once:
// it is never drawn again.
func (con *Console) createToken(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return problem(http.StatusBadRequest, "The form could not be read.")
	}
	name, scopes, err := readTokenForm(form)
	if err != nil {
		return con.tokensPage(c, http.StatusBadRequest, "", tokensView{Name: keep(name), Scopes: scopeOptions(scopes), Problem: err.Error()})
	}
	t, secret, err := tokens.Create(c.Request().Context(), con.DB, name, scopes)
	if errors.Is(err, tokens.ErrNameTaken) || errors.Is(err, tokens.ErrTooMany) {
		return con.tokensPage(c, http.StatusConflict, "", tokensView{Name: name, Scopes: scopeOptions(scopes),
			Problem: fmt.Sprintf("Not created: %v.", err)})
	}
	if err != nil {
		return err
	}
	con.Logger.Info("console created token", "actor", current(c).Actor, "token", t.ID, "name", t.Name)
	return render(c, http.StatusCreated, "token_secret", view{Title: "Token created", Nav: navTokens,
		Data: tokenSecretView{Token: t, Secret: secret}})
}

// revokeToken revokes the token the path names; revoking a revoked one changes nothing.
func (con *Console) revokeToken(c echo.Context) error {
	id := c.Param("id")
	if !tokens.ValidID(id) {
		return problem(http.StatusNotFound, "There is no such token.")
	}
	t, _, err := tokens.Revoke(c.Request().Context(), con.DB, id)
	if errors.Is(err, db.ErrNotFound) {
		return problem(http.StatusNotFound, "There is no such token.")
	}
	if err != nil {
		return err
	}
	con.Logger.Info("console revoked token", "actor", current(c).Actor, "token", t.ID, "name", t.Name)
	return c.Redirect(http.StatusSeeOther, tokensPath+"?done="+doneRevoked)
}
