package aftership

import "strings"

// iso2 maps the ISO 3166-1 alpha-3 codes AfterShip gives checkpoints to the
// alpha-2 codes the rest of shipflow (and its messages) use, for the
// countries shipments commonly pass through.
var iso2 = map[string]string{
	"ARE": "AE", "ARG": "AR", "AUS": "AU", "AUT": "AT", "BEL": "BE", "BGD": "BD",
	"BGR": "BG", "BLR": "BY", "BRA": "BR", "CAN": "CA", "CHE": "CH", "CHL": "CL",
	"CHN": "CN", "COL": "CO", "CYP": "CY", "CZE": "CZ", "DEU": "DE", "DNK": "DK",
	"EGY": "EG", "ESP": "ES", "EST": "EE", "FIN": "FI", "FRA": "FR", "GBR": "GB",
	"GEO": "GE", "GRC": "GR", "HKG": "HK", "HRV": "HR", "HUN": "HU", "IDN": "ID",
	"IND": "IN", "IRL": "IE", "ISL": "IS", "ISR": "IL", "ITA": "IT", "JPN": "JP",
	"KAZ": "KZ", "KEN": "KE", "KOR": "KR", "LTU": "LT", "LUX": "LU", "LVA": "LV",
	"MAC": "MO", "MAR": "MA", "MDA": "MD", "MEX": "MX", "MLT": "MT", "MYS": "MY",
	"NGA": "NG", "NLD": "NL", "NOR": "NO", "NZL": "NZ", "PAK": "PK", "PER": "PE",
	"PHL": "PH", "POL": "PL", "PRT": "PT", "QAT": "QA", "ROU": "RO", "RUS": "RU",
	"SAU": "SA", "SGP": "SG", "SRB": "RS", "SVK": "SK", "SVN": "SI", "SWE": "SE",
	"THA": "TH", "TUR": "TR", "TWN": "TW", "UKR": "UA", "USA": "US", "VNM": "VN",
	"ZAF": "ZA",
}

// country converts an alpha-3 country code to alpha-2 where the table knows
// it, and otherwise keeps what AfterShip gave: a less familiar code is still
// better than none.
func country(code string) string {
	code = strings.TrimSpace(code)
	if c, ok := iso2[strings.ToUpper(code)]; ok {
		return c
	}
	return code
}
