package template

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/shipflow/shipflow/order"
)

// defaults are the templates shipflow ships with, complete for every
// milestone and channel in English, so any locale can fall back to them.
//
//go:embed templates
var defaults embed.FS

// layoutFile is the HTML frame every email body is rendered inside.
const layoutFile = "layout.email.html.tmpl"

// source is one template file.
type source struct {
	path string // as the operator would look for it, for errors
	text string
}

// tree is template files by canonical locale and file name.
type tree map[string]map[string]source

// fileNames are the files one milestone's message on one channel is made
// of: the body; for push the title and the body; for email the subject,
// plain text and HTML body.
func fileNames(m order.Milestone, ch order.Channel) (subject, text, html string) {
	base := string(m) + "." + string(ch)
	switch ch {
	case order.ChannelEmail:
		return base + ".subject.tmpl", base + ".txt.tmpl", base + ".html.tmpl"
	case order.ChannelPush:
		return base + ".title.tmpl", base + ".tmpl", ""
	}
	return "", base + ".tmpl", ""
}

// knownFile reports whether name is a file a Set reads, so that a
// misspelt override ("shiped.sms.tmpl") is an error and not silently
// ignored while the default goes on being sent.
func knownFile(name string) bool {
	if name == layoutFile {
		return true
	}
	for _, m := range milestones {
		for _, ch := range channels {
			s, t, h := fileNames(m, ch)
			if name == s || name == t || name == h {
				return true
			}
		}
	}
	return false
}

// readTree reads <locale>/<file>.tmpl files under root. Files that do not
// end in .tmpl (a README, editor backups) are ignored; a .tmpl file that is
// not where or what a template can be is an error.
func readTree(fsys fs.FS, root string, display func(string) string) (tree, error) {
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return nil, err
	}
	t := make(tree)
	dirs := make(map[string]string) // canonical locale → directory name
	for _, e := range entries {
		p := path.Join(root, e.Name())
		if !e.IsDir() {
			if strings.HasSuffix(e.Name(), ".tmpl") {
				return nil, fmt.Errorf("%s: templates go in a locale directory such as en/ or lt/", display(p))
			}
			continue
		}
		locale, ok := canonicalLocale(e.Name())
		if !ok {
			return nil, fmt.Errorf("%s: directory name is not a locale such as en, lt or lt-LT", display(p))
		}
		if other, dup := dirs[locale]; dup {
			return nil, fmt.Errorf("%s: same locale as %s", display(p), display(path.Join(root, other)))
		}
		dirs[locale] = e.Name()
		files, err := fs.ReadDir(fsys, p)
		if err != nil {
			return nil, err
		}
		t[locale] = make(map[string]source)
		for _, f := range files {
			fp := path.Join(p, f.Name())
			if f.IsDir() || !strings.HasSuffix(f.Name(), ".tmpl") {
				continue
			}
			if !knownFile(f.Name()) {
				return nil, fmt.Errorf("%s: unknown template name: want <milestone>.<channel>.tmpl, "+
					"<milestone>.push.title.tmpl, <milestone>.email.{subject,txt,html}.tmpl or %s", display(fp), layoutFile)
			}
			b, err := fs.ReadFile(fsys, fp)
			if err != nil {
				return nil, err
			}
			if !utf8.Valid(b) {
				return nil, fmt.Errorf("%s: not UTF-8 text", display(fp))
			}
			t[locale][f.Name()] = source{path: display(fp), text: string(b)}
		}
	}
	return t, nil
}
