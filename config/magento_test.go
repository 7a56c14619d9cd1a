package config

import (
	"strings"
	"testing"
	"time"
)

func TestMagento(t *testing.T) {
	c, err := load(t, map[string]string{"MAGENTO_URL": "https://shop.example.com/", "MAGENTO_ACCESS_TOKEN": "tok"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Magento.On() || c.Magento.URL != "https://shop.example.com" || c.Magento.PollInterval != time.Minute {
		t.Errorf("magento = %+v", c.Magento)
	}
	for _, env := range []map[string]string{
		{"MAGENTO_URL": "https://shop.example.com"},
		{"MAGENTO_ACCESS_TOKEN": "tok"},
		{"MAGENTO_URL": "ftp://shop", "MAGENTO_ACCESS_TOKEN": "tok"},
		{"SHIPFLOW_MAGENTO_POLL_INTERVAL": "1s"},
	} {
		if _, err := load(t, env); err == nil || !strings.Contains(err.Error(), "MAGENTO") {
			t.Errorf("%v: err = %v", env, err)
		}
	}
}
