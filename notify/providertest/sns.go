package providertest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/shipflow/shipflow/internal/standin"
)

// SNSMessage is one SMS the SNS stand-in accepted, as the client published it.
type SNSMessage struct {
	MessageID   string
	PhoneNumber string
	Message     string
	// Attributes are the string message attributes by name (AWS.SNS.SMS.SMSType, ...).
	Attributes map[string]string
}

// SNS stands in for Amazon SNS's Query API (version 2010-03-31), Publish to a phone number. It
// verifies every request's AWS Signature Version 4 against its credentials and region, reads
// the form the way SNS does, and answers SNS's XML. It is safe for concurrent use.
type SNS struct {
	faults

	// OnAccept, when set before the first request, is called with every accepted message after
	// it is recorded and before the answer is written.
	OnAccept func(SNSMessage)
	// Requests counts every request served, refused ones included.
	Requests atomic.Int64

	creds  aws.Credentials
	region string
	srv    *httptest.Server

	mu       sync.Mutex
	messages []SNSMessage
	optedOut map[string]bool
}

// NewSNS starts an SNS stand-in in region that accepts requests signed with creds, and stops
// it when the test ends.
func NewSNS(t testing.TB, creds aws.Credentials, region string) *SNS {
	t.Helper()
	s := StartSNS(creds, region)
	t.Cleanup(s.Close)
	return s
}

// StartSNS starts an SNS stand-in outside a test (`shipflow dev -standins`); Close stops it.
func StartSNS(creds aws.Credentials, region string) *SNS {
	s := &SNS{creds: creds, region: region, optedOut: map[string]bool{}}
	s.srv = httptest.NewServer(s.Control(http.HandlerFunc(s.serve)))
	return s
}

// Close stops the stand-in.
func (s *SNS) Close() { s.srv.Close() }

// URL is the stand-in's endpoint, the value of SNS_ENDPOINT_URL.
func (s *SNS) URL() string { return s.srv.URL }

// Messages returns the messages accepted so far, oldest first.
func (s *SNS) Messages() []SNSMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// OptOut puts phone on the account's opted-out list (the customer replied STOP to an SNS
// text): SNS then refuses to publish to it with OptedOut.
func (s *SNS) OptOut(phone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.optedOut[phone] = true
}

const (
	snsVersion   = "2010-03-31"
	snsNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"
	// snsMaxBody is SNS's request size limit: 256 KiB of message and attributes.
	snsMaxBody = 256 << 10
	amzDate    = "20060102T150405Z"
	// snsClockSkew is how far a request's X-Amz-Date may be from SNS's clock.
	snsClockSkew = 5 * time.Minute
)

var (
	snsSenderIDRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,11}$`)
	snsShortRE    = regexp.MustCompile(`^[0-9]{3,8}$`)
	authRE        = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/,]+)/([0-9]{8})/([^/,]+)/([^/,]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$`)
)

// snsErrorStatus is the HTTP status SNS answers with each error code the stand-in produces.
var snsErrorStatus = map[string]int{
	"InvalidParameter":           http.StatusBadRequest,
	"ParameterValueInvalid":      http.StatusBadRequest,
	"InvalidAction":              http.StatusBadRequest,
	"MissingAction":              http.StatusBadRequest,
	"IncompleteSignature":        http.StatusBadRequest,
	"OptedOut":                   http.StatusBadRequest,
	"MissingAuthenticationToken": http.StatusForbidden,
	"InvalidClientTokenId":       http.StatusForbidden,
	"SignatureDoesNotMatch":      http.StatusForbidden,
	"RequestExpired":             http.StatusBadRequest,
	"AuthorizationError":         http.StatusForbidden,
	"Throttled":                  http.StatusTooManyRequests,
	"InternalError":              http.StatusInternalServerError,
	"ServiceUnavailable":         http.StatusServiceUnavailable,
	"RequestEntityTooLarge":      http.StatusRequestEntityTooLarge,
}

// snsFailureCode is the error code of a failure programmed by FailNext, by its status.
func snsFailureCode(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "Throttled"
	case status == http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	case status >= 500:
		return "InternalError"
	case status == http.StatusForbidden:
		return "AuthorizationError"
	}
	return "InvalidParameter"
}

func (s *SNS) serve(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	body, bodyErr := standin.ReadBody(w, r, snsMaxBody)
	delay, down, fail := s.Next()
	if !standin.Wait(r, delay) {
		return
	}
	if down {
		standin.ServeDown(w)
		return
	}
	if fail != nil {
		code := snsFailureCode(fail.Status)
		snsError(w, fail.Status, code, "programmed failure")
		return
	}
	if bodyErr != nil {
		snsError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body too large")
		return
	}
	if code, msg := s.authenticate(r, body); code != "" {
		snsError(w, snsErrorStatus[code], code, msg)
		return
	}
	// The Query protocol: a POST to / with the parameters as a form body.
	if r.Method != http.MethodPost || r.URL.Path != "/" ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		snsError(w, http.StatusBadRequest, "InvalidAction", "Only form-encoded POSTs to / are served")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		snsError(w, http.StatusBadRequest, "InvalidParameter", "Malformed form body")
		return
	}
	switch action := form.Get("Action"); {
	case action == "":
		snsError(w, http.StatusBadRequest, "MissingAction", "Missing Action")
		return
	case action != "Publish":
		snsError(w, http.StatusBadRequest, "InvalidAction", "The action "+action+" is not valid for this web service.")
		return
	}
	if v := form.Get("Version"); v != snsVersion {
		snsError(w, http.StatusBadRequest, "InvalidAction", "Could not find operation Publish for version "+v)
		return
	}
	msg, code, detail := s.check(form)
	if code != "" {
		snsError(w, snsErrorStatus[code], code, detail)
		return
	}
	s.mu.Lock()
	s.messages = append(s.messages, msg)
	s.mu.Unlock()
	if s.OnAccept != nil {
		s.OnAccept(msg)
	}
	type result struct {
		MessageID string `xml:"MessageId"`
	}
	type meta struct {
		RequestID string `xml:"RequestId"`
	}
	writeXML(w, http.StatusOK, struct {
		XMLName  xml.Name `xml:"PublishResponse"`
		Xmlns    string   `xml:"xmlns,attr"`
		Result   result   `xml:"PublishResult"`
		Metadata meta     `xml:"ResponseMetadata"`
	}{Xmlns: snsNamespace, Result: result{msg.MessageID}, Metadata: meta{uuid()}})
}

// authenticate checks r's SigV4 Authorization header as SNS does: the access key, the
// credential scope (date, region, service), the date's freshness, and the signature itself,
// recomputed over the signed headers and the body with the secret key. It answers SNS's error
// code and message, or "" when r is authentic.
func (s *SNS) authenticate(r *http.Request, body []byte) (code, msg string) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "MissingAuthenticationToken", "Request is missing Authentication Token"
	}
	m := authRE.FindStringSubmatch(auth)
	if m == nil {
		return "IncompleteSignature", "Authorization header requires Credential, SignedHeaders and Signature"
	}
	akid, day, region, service, signedHeaders, signature := m[1], m[2], m[3], m[4], m[5], m[6]
	if subtle.ConstantTimeCompare([]byte(akid), []byte(s.creds.AccessKeyID)) != 1 {
		return "InvalidClientTokenId", "The security token included in the request is invalid."
	}
	if s.creds.SessionToken != "" && r.Header.Get("X-Amz-Security-Token") != s.creds.SessionToken {
		return "InvalidClientTokenId", "The security token included in the request is invalid."
	}
	if region != s.region || service != "sns" {
		return "SignatureDoesNotMatch", fmt.Sprintf("Credential should be scoped to a valid region and service sns, not %s/%s", region, service)
	}
	at, err := time.Parse(amzDate, r.Header.Get("X-Amz-Date"))
	if err != nil || at.Format("20060102") != day {
		return "IncompleteSignature", "X-Amz-Date is missing or does not match the credential scope"
	}
	if d := time.Since(at); d > snsClockSkew || d < -snsClockSkew {
		return "RequestExpired", "Request has expired"
	}
	headers := strings.Split(signedHeaders, ";")
	if !slices.Contains(headers, "host") || !slices.Contains(headers, "x-amz-date") {
		return "IncompleteSignature", "host and x-amz-date must be signed"
	}
	// Sign the same request again with the secret key: only the headers the client signed, the
	// body as received.
	again, err := http.NewRequestWithContext(context.Background(), r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	if err != nil {
		return "IncompleteSignature", err.Error()
	}
	for _, h := range headers {
		switch h {
		case "host":
			again.Host = r.Host
		case "content-length":
			again.ContentLength = int64(len(body))
		default:
			for _, v := range r.Header.Values(h) {
				again.Header.Add(h, v)
			}
		}
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), s.creds, again, hex.EncodeToString(sum[:]), "sns", s.region, at); err != nil {
		return "IncompleteSignature", err.Error()
	}
	want := authRE.FindStringSubmatch(again.Header.Get("Authorization"))
	if want == nil || want[5] != signedHeaders || subtle.ConstantTimeCompare([]byte(want[6]), []byte(signature)) != 1 {
		return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
	}
	return "", ""
}

// check reads a Publish to a phone number as SNS does and returns the message to accept, or
// SNS's error code and message.
func (s *SNS) check(form url.Values) (SNSMessage, string, string) {
	if form.Get("TopicArn") != "" || form.Get("TargetArn") != "" {
		return SNSMessage{}, "InvalidParameter", "Invalid parameter: this stand-in publishes only to phone numbers"
	}
	phone := form.Get("PhoneNumber")
	if phone == "" {
		return SNSMessage{}, "InvalidParameter", "Invalid parameter: TopicArn or TargetArn or PhoneNumber Reason: no value for required parameter"
	}
	if !e164RE.MatchString(phone) {
		return SNSMessage{}, "InvalidParameter", "Invalid parameter: PhoneNumber Reason: " + phone + " is not valid to publish to"
	}
	text := form.Get("Message")
	if strings.TrimSpace(text) == "" {
		return SNSMessage{}, "InvalidParameter", "Invalid parameter: Empty message"
	}
	attrs := map[string]string{}
	for i := 1; ; i++ {
		p := "MessageAttributes.entry." + strconv.Itoa(i) + "."
		name := form.Get(p + "Name")
		if name == "" {
			break
		}
		typ, val := form.Get(p+"Value.DataType"), form.Get(p+"Value.StringValue")
		if typ != "String" || val == "" {
			return SNSMessage{}, "ParameterValueInvalid", "The message attribute '" + name + "' must contain non-empty message attribute value for message attribute type 'String'."
		}
		attrs[name] = val
	}
	switch t := attrs["AWS.SNS.SMS.SMSType"]; t {
	case "", "Promotional", "Transactional":
	default:
		return SNSMessage{}, "ParameterValueInvalid", "The message attribute 'AWS.SNS.SMS.SMSType' has an invalid value '" + t + "'"
	}
	if id, ok := attrs["AWS.SNS.SMS.SenderID"]; ok && !snsSenderIDRE.MatchString(id) {
		return SNSMessage{}, "ParameterValueInvalid", "The message attribute 'AWS.SNS.SMS.SenderID' has an invalid value"
	}
	if n, ok := attrs["AWS.MM.SMS.OriginationNumber"]; ok && !e164RE.MatchString(n) && !snsShortRE.MatchString(n) {
		return SNSMessage{}, "ParameterValueInvalid", "The message attribute 'AWS.MM.SMS.OriginationNumber' has an invalid value"
	}
	s.mu.Lock()
	out := s.optedOut[phone]
	s.mu.Unlock()
	if out {
		return SNSMessage{}, "OptedOut", "Phone number is opted out"
	}
	return SNSMessage{MessageID: uuid(), PhoneNumber: phone, Message: text, Attributes: attrs}, "", ""
}

// snsError writes SNS's Query-protocol error body.
func snsError(w http.ResponseWriter, status int, code, message string) {
	if status == 0 {
		status = http.StatusBadRequest
	}
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	type detail struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	writeXML(w, status, struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Error     detail   `xml:"Error"`
		RequestID string   `xml:"RequestId"`
	}{Xmlns: snsNamespace, Error: detail{typ, code, message}, RequestID: uuid()})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", uuid())
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(v)
}

// uuid returns a random version 4 UUID, the form of SNS's message and request ids.
func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
