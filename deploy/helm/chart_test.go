package helm

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/shipflow/shipflow/config"
)

// chart is the chart under test, and release the name it is rendered as.
const (
	chart   = "shipflow"
	release = "shipflow"
)

// The chart's own additions to the binary's secret settings: DATABASE_URL carries a password,
// and the other two are the settings of issue 17's items 1 and 2, secret in the chart before
// the configuration table names them.
var chartSecrets = []string{"DATABASE_URL", "TEMPORAL_API_KEY", "SHIPFLOW_PAYLOAD_KEYS"}

// notSettings are variables the chart sets that config does not read: GOMEMLIMIT is the Go
// runtime's.
var notSettings = []string{"GOMEMLIMIT"}

// helmBin is the pinned helm that `make helm-check` builds into the repository's bin/.
func helmBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("SHIPFLOW_HELM")
	if bin == "" {
		bin = filepath.Join("..", "..", "bin", "helm")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no helm at %s (SHIPFLOW_HELM): `make helm-check` builds the pinned one: %v", bin, err)
	}
	return bin
}

// valuesFiles are the renders every test checks: the defaults (values.yaml, named so that
// messages name it), each example, and testdata's switches.
func valuesFiles(t *testing.T) []string {
	t.Helper()
	examples, err := filepath.Glob(filepath.Join(chart, "examples", "*.yaml"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no example values in %s/examples: %v", chart, err)
	}
	toggles, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	return slices.Concat([]string{filepath.Join(chart, "values.yaml")}, examples, toggles)
}

func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(helmBin(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("helm %s: %w\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String(), nil
}

func valuesArgs(file string) []string { return []string{"--values", file} }

func TestLint(t *testing.T) {
	for _, f := range valuesFiles(t) {
		if _, err := helm(t, append([]string{"lint", "--strict", chart}, valuesArgs(f)...)...); err != nil {
			t.Error(err)
		}
	}
}

// rendered is one render of the chart, decoded into the Kubernetes API's own types.
type rendered struct {
	deployments []appsv1.Deployment
	services    []corev1.Service
	pdbs        []policyv1.PodDisruptionBudget
	jobs        []batchv1.Job
	configMaps  []corev1.ConfigMap
	monitors    []serviceMonitor
}

// serviceMonitor is the part of the Prometheus Operator's type the chart sets; it is a custom
// resource, so k8s.io/api has no type to decode it strictly into.
type serviceMonitor struct {
	Spec struct {
		Selector  struct{ MatchLabels map[string]string } `json:"selector"`
		Endpoints []struct{ Port, Path string }           `json:"endpoints"`
	} `json:"spec"`
}

// render runs helm template and decodes every document strictly: a field the API does not
// have (a typo, a wrong indentation) fails, as the API server would refuse it.
func render(t *testing.T, file string) rendered {
	t.Helper()
	out, err := helm(t, append([]string{"template", release, chart, "--namespace", "shipflow"}, valuesArgs(file)...)...)
	if err != nil {
		t.Fatal(err)
	}
	var r rendered
	for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(out, -1) {
		js, err := yaml.YAMLToJSONStrict([]byte(doc)) // a key given twice is an error, not the last one winning
		if err != nil {
			t.Fatalf("%s: document %d: %v", file, i, err)
		}
		var meta struct{ APIVersion, Kind string }
		if err := json.Unmarshal(js, &meta); err != nil || meta.Kind == "" {
			continue // an empty document, or only comments
		}
		var dst any
		switch meta.APIVersion + " " + meta.Kind {
		case "apps/v1 Deployment":
			dst = appendNew(&r.deployments)
		case "v1 Service":
			dst = appendNew(&r.services)
		case "policy/v1 PodDisruptionBudget":
			dst = appendNew(&r.pdbs)
		case "batch/v1 Job":
			dst = appendNew(&r.jobs)
		case "v1 ConfigMap":
			dst = appendNew(&r.configMaps)
		case "v1 ServiceAccount":
			dst = new(corev1.ServiceAccount)
		case "monitoring.coreos.com/v1 ServiceMonitor":
			m := appendNew(&r.monitors)
			if err := json.Unmarshal(js, m); err != nil {
				t.Fatalf("%s: ServiceMonitor: %v", file, err)
			}
			continue
		default:
			t.Fatalf("%s: document %d is a %s %s, which this test does not know: add its type", file, i, meta.APIVersion, meta.Kind)
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(dst); err != nil {
			t.Errorf("%s: %s %d: %v\n%s", file, meta.Kind, i, err, doc)
		}
	}
	return r
}

func appendNew[T any](s *[]T) *T {
	*s = append(*s, *new(T))
	return &(*s)[len(*s)-1]
}

func TestRenderDecodesStrictly(t *testing.T) {
	for _, f := range valuesFiles(t) {
		r := render(t, f)
		if len(r.deployments) != 2 || len(r.jobs) != 1 {
			t.Errorf("%s: %d deployments and %d jobs, want serve and worker and the migration", f, len(r.deployments), len(r.jobs))
		}
	}
}

// settings are the variables the binary reads, and which of them are secrets, as its own
// usage text lists them.
func settings(t *testing.T) (all, secret map[string]bool) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var usage bytes.Buffer
	fs.SetOutput(&usage)
	if _, err := config.LoadFlags(fs, []string{"-h"}, func(string) string { return "" }); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("config usage: %v", err)
	}
	flags, secrets, ok := strings.Cut(usage.String(), "Secrets are read from the environment only:")
	if !ok {
		t.Fatalf("config usage has no list of secrets:\n%s", usage.String())
	}
	all, secret = map[string]bool{}, map[string]bool{}
	for _, m := range regexp.MustCompile(`\(env ([A-Z0-9_]+)\)`).FindAllStringSubmatch(flags, -1) {
		all[m[1]] = true
	}
	for _, name := range strings.Fields(secrets) {
		all[name], secret[name] = true, true
	}
	if len(secret) == 0 || !all["DATABASE_URL"] {
		t.Fatalf("config usage parsed to %d settings, %d secrets", len(all), len(secret))
	}
	return all, secret
}

// The chart refuses a secret as a plain value, so its list must hold every secret the binary
// has; and it may hold only those and its own additions.
func TestChartKnowsEverySecret(t *testing.T) {
	_, secret := settings(t)
	tpl, err := os.ReadFile(filepath.Join(chart, "templates", "_helpers.tpl"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)define "shipflow.secretSettings" -\}\}(.*?)\{\{-? end`).FindSubmatch(tpl)
	if m == nil {
		t.Fatal(`_helpers.tpl has no "shipflow.secretSettings"`)
	}
	listed := map[string]bool{}
	for _, name := range strings.Fields(string(m[1])) {
		listed[name] = true
	}
	for name := range secret {
		if !listed[name] {
			t.Errorf("%s is a secret setting but not in the chart's shipflow.secretSettings", name)
		}
	}
	for name := range listed {
		if !secret[name] && !slices.Contains(chartSecrets, name) {
			t.Errorf("shipflow.secretSettings lists %s, which is no secret setting", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(secret)) {
		out, err := helm(t, "template", release, chart, "--set", "env."+name+"=plain")
		if err == nil || !strings.Contains(err.Error(), name+" is a secret") {
			t.Errorf("env.%s rendered instead of being refused: %v\n%.300s", name, err, out)
		}
	}
}

func TestSecretsComeFromSecrets(t *testing.T) {
	all, secret := settings(t)
	for _, name := range chartSecrets {
		secret[name] = true
	}
	for _, f := range valuesFiles(t) {
		r := render(t, f)
		for _, cm := range r.configMaps {
			for k := range cm.Data {
				if secret[k] {
					t.Errorf("%s: ConfigMap %s holds the secret %s", f, cm.Name, k)
				}
			}
		}
		for name, pod := range pods(r) {
			for _, c := range pod.Spec.Containers {
				for _, e := range c.Env {
					if !all[e.Name] && !slices.Contains(notSettings, e.Name) {
						t.Errorf("%s: %s sets %s, which shipflow does not read", f, name, e.Name)
					}
					if secret[e.Name] && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
						t.Errorf("%s: %s sets the secret %s other than from a Secret", f, name, e.Name)
					}
				}
			}
		}
	}
}

// Plain settings render as the binary reads them, and the more specific value wins.
func TestEnvValues(t *testing.T) {
	want := map[string]map[string]string{
		"shipflow-serve":   {"SHIPFLOW_STREAMS_MAX": "1000000", "SHIPFLOW_LOG_LEVEL": "warn", "SHIPFLOW_HTTP_ADDR": ":8080"},
		"shipflow-worker":  {"SHIPFLOW_LOG_LEVEL": "debug", "SHIPFLOW_METRICS_ADDR": ":9090"},
		"shipflow-migrate": {"SHIPFLOW_LOG_LEVEL": "error"},
	}
	r := render(t, filepath.Join("testdata", "values-toggles.yaml"))
	for name, pod := range pods(r) {
		got := map[string]string{}
		for _, e := range pod.Spec.Containers[0].Env {
			if _, twice := got[e.Name]; twice {
				t.Errorf("%s sets %s twice", name, e.Name)
			}
			got[e.Name] = e.Value
		}
		for k, v := range want[name] {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", name, k, got[k], v)
			}
		}
		if sa := pod.Spec.ServiceAccountName; sa != "shipflow-workload" {
			t.Errorf("%s runs as service account %q, want the one named in values", name, sa)
		}
	}
}

// pods are the pod templates of every Deployment and Job, by object name.
func pods(r rendered) map[string]corev1.PodTemplateSpec {
	p := map[string]corev1.PodTemplateSpec{}
	for _, d := range r.deployments {
		p[d.Name] = d.Spec.Template
	}
	for _, j := range r.jobs {
		p[j.Name] = j.Spec.Template
	}
	return p
}

// The pods run as docker-compose.yml runs the containers, and can be probed and stopped.
func TestPods(t *testing.T) {
	for _, f := range valuesFiles(t) {
		r := render(t, f)
		for name, pod := range pods(r) {
			checkPodSecurity(t, f+": "+name, pod)
		}
		for _, d := range r.deployments {
			name := f + ": " + d.Name
			sel, err := metaSelector(d.Spec.Selector.MatchLabels)
			if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				t.Errorf("%s: selector %v does not select its own pods %v", name, d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
			}
			c := d.Spec.Template.Spec.Containers[0]
			if c.ReadinessProbe == nil || c.LivenessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet == nil {
				t.Errorf("%s: needs HTTP readiness and liveness probes", name)
				continue
			}
			grace := d.Spec.Template.Spec.TerminationGracePeriodSeconds
			var preStop int64
			if l := c.Lifecycle; l != nil && l.PreStop != nil && l.PreStop.Sleep != nil {
				preStop = l.PreStop.Sleep.Seconds
			}
			// serve drains for 10 s after its preStop sleep; a worker finishes activities for 10 s.
			if grace == nil || *grace <= preStop+10 {
				t.Errorf("%s: terminationGracePeriodSeconds %v leaves no time for the preStop sleep of %d s and 10 s of draining", name, grace, preStop)
			}
			switch c.Name {
			case "serve":
				if c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe.HTTPGet.Path != "/healthz" {
					t.Errorf("%s: probes %s and %s, want /readyz and /healthz", name, c.ReadinessProbe.HTTPGet.Path, c.LivenessProbe.HTTPGet.Path)
				}
			case "worker":
				if c.LivenessProbe.HTTPGet.Path != "/healthz" || !hasEnv(c, "SHIPFLOW_METRICS_ADDR") {
					t.Errorf("%s: a worker is probed on /healthz of SHIPFLOW_METRICS_ADDR", name)
				}
			}
			for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
				if p != nil && p.HTTPGet != nil && !hasPort(c, p.HTTPGet.Port.String()) {
					t.Errorf("%s: a probe names port %s, which the container does not have", name, p.HTTPGet.Port.String())
				}
			}
		}
		for _, j := range r.jobs {
			hook := j.Annotations["helm.sh/hook"]
			if !strings.Contains(hook, "pre-install") || !strings.Contains(hook, "pre-upgrade") {
				t.Errorf("%s: job %s runs at %q, want pre-install and pre-upgrade", f, j.Name, hook)
			}
			if args := j.Spec.Template.Spec.Containers[0].Args; !slices.Equal(args, []string{"migrate"}) {
				t.Errorf("%s: job %s runs %v", f, j.Name, args)
			}
		}
	}
}

func checkPodSecurity(t *testing.T, name string, pod corev1.PodTemplateSpec) {
	t.Helper()
	ps := pod.Spec.SecurityContext
	if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot {
		t.Errorf("%s: pod may run as root", name)
	}
	if pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken {
		t.Errorf("%s: mounts a service account token it never uses", name)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = v
	}
	for _, c := range pod.Spec.Containers {
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			t.Errorf("%s: container %s is not read-only, unprivileged and without capabilities: %+v", name, c.Name, sc)
		}
		tmp := false
		for _, m := range c.VolumeMounts {
			v, ok := volumes[m.Name]
			if !ok {
				t.Errorf("%s: container %s mounts volume %s, which the pod does not have", name, c.Name, m.Name)
			}
			tmp = tmp || m.MountPath == "/tmp" && v.EmptyDir != nil
			if m.SubPath != "" {
				t.Errorf("%s: %s mounts with subPath, which a Secret's update never reaches", name, m.Name)
			}
		}
		if !tmp {
			t.Errorf("%s: container %s has no writable /tmp", name, c.Name)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: container %s needs CPU and memory requests and a memory limit", name, c.Name)
		}
	}
}

func hasEnv(c corev1.Container, name string) bool {
	return slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == name })
}

func hasPort(c corev1.Container, name string) bool {
	return slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool {
		return p.Name == name || fmt.Sprint(p.ContainerPort) == name
	})
}

func metaSelector(match map[string]string) (labels.Selector, error) {
	if len(match) == 0 {
		return nil, errors.New("empty selector selects everything")
	}
	return labels.SelectorFromValidatedSet(match), nil
}

// Each PodDisruptionBudget, Service and ServiceMonitor reaches the pods it is for, and every
// Deployment has a budget.
func TestSelectorsReachTheirPods(t *testing.T) {
	for _, f := range valuesFiles(t) {
		r := render(t, f)
		budgeted := map[string]int{}
		for _, p := range r.pdbs {
			sel, err := metaSelector(p.Spec.Selector.MatchLabels)
			if err != nil || len(p.Spec.Selector.MatchExpressions) > 0 {
				t.Errorf("%s: PDB %s: selector %v", f, p.Name, p.Spec.Selector)
				continue
			}
			for _, d := range r.deployments {
				if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
					budgeted[d.Name]++
				}
			}
			if p.Spec.MaxUnavailable == nil && p.Spec.MinAvailable == nil {
				t.Errorf("%s: PDB %s limits nothing", f, p.Name)
			}
		}
		for _, d := range r.deployments {
			if budgeted[d.Name] != 1 {
				t.Errorf("%s: %d PodDisruptionBudgets select the pods of %s, want 1", f, budgeted[d.Name], d.Name)
			}
		}
		for _, s := range r.services {
			sel, err := metaSelector(s.Spec.Selector)
			if err != nil {
				t.Errorf("%s: service %s: %v", f, s.Name, err)
				continue
			}
			var reached []corev1.Container
			for _, d := range r.deployments {
				if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
					reached = append(reached, d.Spec.Template.Spec.Containers...)
				}
			}
			if len(reached) == 0 {
				t.Errorf("%s: service %s selects no pods", f, s.Name)
			}
			for _, p := range s.Spec.Ports {
				for _, c := range reached {
					if !hasPort(c, p.TargetPort.String()) {
						t.Errorf("%s: service %s targets port %s, which %s does not have", f, s.Name, p.TargetPort.String(), c.Name)
					}
				}
			}
		}
		for i, m := range r.monitors {
			sel, err := metaSelector(m.Spec.Selector.MatchLabels)
			ok := false
			for _, s := range r.services {
				if err == nil && sel.Matches(labels.Set(s.Labels)) {
					ok = slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == m.Spec.Endpoints[0].Port })
				}
			}
			if !ok {
				t.Errorf("%s: ServiceMonitor %d reaches no service port %v", f, i, m.Spec)
			}
		}
	}
}
