package main

import (
	"net/http"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/whatsapp"
)

// whatsappCloud is the WhatsApp sender through Meta's Cloud API, or nil when it is not
// configured: its access token and phone number id, or in dev mode the number id and a
// stand-in's WHATSAPP_CLOUD_API_URL without a token. With Twilio's WhatsApp configured too,
// SHIPFLOW_WHATSAPP_PROVIDERS says which a message tries first.
func (a *app) whatsappCloud(dev bool, hc *http.Client) notify.Sender {
	wc := a.cfg.WhatsAppCloud
	standIn := dev && wc.PhoneNumberID != "" && wc.APIURL != whatsapp.DefaultAPIURL
	if !wc.On() && !standIn {
		return nil
	}
	token := wc.AccessToken
	if token == "" {
		token = "dev" // a stand-in in dev mode takes what it is configured with
	}
	a.log.Info("WhatsApp goes through Meta's Cloud API", "phone_number_id", wc.PhoneNumberID, "api_version", wc.APIVersion)
	return whatsapp.New(whatsapp.Config{AccessToken: token, PhoneNumberID: wc.PhoneNumberID, APIURL: wc.APIURL, APIVersion: wc.APIVersion}, hc)
}
