//go:build js && wasm

// Command helm-wasm is `helm template` compiled to WebAssembly for the
// linkerd-smi CLI, so that `linkerd smi install` prints exactly what the helm
// binary would, without a helm binary.
//
// It uses Helm's own packages (helm.sh/helm/v3 at the version in go.mod): the
// chart loader (pkg/chart/loader, including .helmignore handling), value
// parsing (pkg/strvals), chart values coalescing and schema validation
// (pkg/chartutil), the template engine (pkg/engine) and manifest sorting
// (pkg/releaseutil). helm's pkg/action and pkg/cli/values do not compile for
// GOOS=js (they pull in terminal and signal handling through the Kubernetes
// client), so this file does what `helm template` (cmd/helm/template.go), its
// runInstall, values.Options.MergeValues and the client-only dry-run path of
// action.Install do around those packages, step for step and with the same
// error texts. It is built with the same -X ldflags as the helm binary, so the
// default .Capabilities.KubeVersion agrees.
//
// The JS host (src/helm/engine.ts) gives the Go runtime a synchronous
// filesystem: every Go file operation (os.Open, os.ReadFile, ...) completes
// before the JS call returns, so a synchronous JS->Go call can read the chart
// directory, values files and --set-file files the way helm does, with helm's
// error messages. Nothing here writes files or uses the network.
//
// API, set on the JS global object before main blocks:
//
//	__linkerdSmiHelm.render(requestJSON) -> responseJSON
//	__linkerdSmiHelm.loadChart(chartDir) -> responseJSON
//	__linkerdSmiHelm.info() -> responseJSON
//
// A response is {"manifest": "..."} / {"files": [...]} / {...info} on success
// or {"error": "..."}, with "warnings" (what helm logs on stderr) in both cases.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"syscall/js"

	"sigs.k8s.io/yaml"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/strvals"
)

// request mirrors the flags of `helm template NAME CHART`.
type request struct {
	ChartDir    string   `json:"chartDir"`
	ReleaseName string   `json:"releaseName"` // NAME; "" is helm's default "release-name"
	Namespace   string   `json:"namespace"`   // --namespace; "" is "default"
	ValueFiles  []string `json:"valueFiles"`  // -f/--values
	Set         []string `json:"set"`         // --set
	SetString   []string `json:"setString"`   // --set-string
	SetFile     []string `json:"setFile"`     // --set-file
	SetJSON     []string `json:"setJson"`     // --set-json
	SetLiteral  []string `json:"setLiteral"`  // --set-literal
	ShowOnly    []string `json:"showOnly"`    // --show-only
	IncludeCRDs bool     `json:"includeCrds"` // --include-crds
	SkipTests   bool     `json:"skipTests"`   // --skip-tests
	IsUpgrade   bool     `json:"isUpgrade"`   // --is-upgrade
	KubeVersion string   `json:"kubeVersion"` // --kube-version
	APIVersions []string `json:"apiVersions"` // --api-versions
}

type chartFile struct {
	Name string `json:"name"`
	Data []byte `json:"data"` // base64 in JSON
}

type response struct {
	Manifest    *string     `json:"manifest,omitempty"`
	Files       []chartFile `json:"files,omitempty"`
	HelmVersion string      `json:"helmVersion,omitempty"`
	KubeVersion string      `json:"kubeVersion,omitempty"`
	Error       string      `json:"error,omitempty"`
	Warnings    []string    `json:"warnings"`
}

// helm logs warnings (coalescing, symlinks, deprecated requirements.yaml) with
// the standard logger, flags as in cmd/helm; we collect them per call.
var logs bytes.Buffer

func main() {
	log.SetFlags(log.Lshortfile)
	log.SetOutput(&logs)

	api := js.Global().Get("Object").New()
	api.Set("render", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return call(func(r *response) error {
			var req request
			if err := json.Unmarshal([]byte(stringArg(args, 0)), &req); err != nil {
				return fmt.Errorf("helm-wasm: bad request: %w", err)
			}
			out, err := template(&req, r)
			if err == nil {
				r.Manifest = &out
			}
			return err
		})
	}))
	api.Set("loadChart", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return call(func(r *response) error {
			c, err := loadChart(stringArg(args, 0))
			if err != nil {
				return err
			}
			for _, f := range c.Raw {
				r.Files = append(r.Files, chartFile{Name: f.Name, Data: f.Data})
			}
			return nil
		})
	}))
	api.Set("info", js.FuncOf(func(_ js.Value, _ []js.Value) any {
		return call(func(r *response) error {
			r.HelmVersion = chartutil.DefaultCapabilities.HelmVersion.Version
			r.KubeVersion = chartutil.DefaultCapabilities.KubeVersion.Version
			return nil
		})
	}))
	js.Global().Set("__linkerdSmiHelm", api)
	select {}
}

func stringArg(args []js.Value, i int) string {
	if i < len(args) && args[i].Type() == js.TypeString {
		return args[i].String()
	}
	return ""
}

// call runs fn and encodes its outcome, turning a panic into an error so one
// bad request does not kill the Go program.
func call(fn func(*response) error) (out string) {
	r := &response{Warnings: []string{}}
	logs.Reset()
	defer func() {
		if p := recover(); p != nil {
			r.Error = fmt.Sprintf("helm-wasm: internal error: %v", p)
		}
		for _, l := range strings.Split(strings.TrimRight(logs.String(), "\n"), "\n") {
			if l != "" {
				r.Warnings = append(r.Warnings, linuxErrnoText(l))
			}
		}
		logs.Reset()
		b, err := json.Marshal(r)
		if err != nil {
			b, _ = json.Marshal(response{Error: err.Error(), Warnings: []string{}})
		}
		out = string(b)
	}()
	if err := fn(r); err != nil {
		r.Error = linuxErrnoText(err.Error())
	}
	return
}

// Go's js/wasm syscall package words errno messages its own way ("No such
// file or directory"); helm, as released for Linux and macOS, prints the
// Unix ones.
var errnoText = map[syscall.Errno]string{
	syscall.EACCES:       "permission denied",
	syscall.EAGAIN:       "resource temporarily unavailable",
	syscall.EBADF:        "bad file descriptor",
	syscall.EBUSY:        "device or resource busy",
	syscall.EEXIST:       "file exists",
	syscall.EINVAL:       "invalid argument",
	syscall.EIO:          "input/output error",
	syscall.EISDIR:       "is a directory",
	syscall.ELOOP:        "too many levels of symbolic links",
	syscall.EMFILE:       "too many open files",
	syscall.ENAMETOOLONG: "file name too long",
	syscall.ENOENT:       "no such file or directory",
	syscall.ENOTDIR:      "not a directory",
	syscall.ENOTEMPTY:    "directory not empty",
	syscall.ENXIO:        "no such device or address",
	syscall.EPERM:        "operation not permitted",
	syscall.EROFS:        "read-only file system",
}

func linuxErrnoText(msg string) string {
	for errno, text := range errnoText {
		msg = strings.ReplaceAll(msg, ": "+errno.Error(), ": "+text)
	}
	return msg
}

// loadChart is ChartPathOptions.LocateChart for a local path followed by
// loader.Load, as in helm's runInstall.
func loadChart(name string) (*chart.Chart, error) {
	name = strings.TrimSpace(name)
	if _, err := os.Stat(name); err != nil {
		return nil, fmt.Errorf("path %q not found", name)
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, err
	}
	return loader.Load(abs)
}

// template is `helm template` (cmd/helm/template.go with runInstall and the
// ClientOnly, DryRun, Replace path of action.Install.RunWithContext).
func template(req *request, r *response) (string, error) {
	caps := chartutil.DefaultCapabilities.Copy()
	if req.KubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(req.KubeVersion)
		if err != nil {
			return "", fmt.Errorf("invalid kube version '%s': %s", req.KubeVersion, err)
		}
		caps.KubeVersion = *kv
	}
	caps.APIVersions = append(caps.APIVersions, chartutil.VersionSet(req.APIVersions)...)
	releaseName := req.ReleaseName
	if releaseName == "" {
		releaseName = "release-name"
	}
	namespace := req.Namespace
	if namespace == "" {
		namespace = "default"
	}

	// runInstall: locate the chart, merge values, load the chart.
	if _, err := os.Stat(strings.TrimSpace(req.ChartDir)); err != nil {
		return "", fmt.Errorf("path %q not found", strings.TrimSpace(req.ChartDir))
	}
	vals, err := mergeValues(req)
	if err != nil {
		return "", err
	}
	chrt, err := loadChart(req.ChartDir)
	if err != nil {
		return "", err
	}
	switch chrt.Metadata.Type {
	case "", "application":
	default:
		return "", fmt.Errorf("%s charts are not installable", chrt.Metadata.Type)
	}
	if chrt.Metadata.Deprecated {
		r.Warnings = append(r.Warnings, "WARNING: This chart is deprecated")
	}
	if deps := chrt.Metadata.Dependencies; deps != nil {
		if err := checkDependencies(chrt, deps); err != nil {
			return "", fmt.Errorf("An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: %w", err)
		}
	}

	// action.Install.RunWithContext, client-only dry run.
	if err := chartutil.ValidateReleaseName(releaseName); err != nil {
		return "", fmt.Errorf("release name %q: %w", releaseName, err)
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return "", err
	}
	isUpgrade := req.IsUpgrade
	options := chartutil.ReleaseOptions{
		Name:      releaseName,
		Namespace: namespace,
		Revision:  1,
		IsInstall: !isUpgrade,
		IsUpgrade: isUpgrade,
	}
	valuesToRender, err := chartutil.ToRenderValuesWithSchemaValidation(chrt, vals, options, caps, false)
	if err != nil {
		return "", err
	}
	hooks, manifestDoc, err := renderResources(chrt, valuesToRender, caps, req.IncludeCRDs)
	if err != nil {
		// helm adds "\n\nUse --debug flag to render out invalid YAML" here,
		// which does not apply to the linkerd-smi CLI.
		return "", err
	}

	// cmd/helm/template.go: manifests, then hooks, then --show-only.
	var manifests bytes.Buffer
	fmt.Fprintln(&manifests, strings.TrimSpace(manifestDoc.String()))
	for _, h := range hooks {
		if req.SkipTests && isTestHook(h) {
			continue
		}
		fmt.Fprintf(&manifests, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	if len(req.ShowOnly) == 0 {
		return manifests.String(), nil
	}
	return showOnly(manifests.String(), req.ShowOnly)
}

func checkDependencies(ch *chart.Chart, reqs []*chart.Dependency) error {
	var missing []string
outer:
	for _, r := range reqs {
		for _, d := range ch.Dependencies() {
			if d.Name() == r.Name {
				continue outer
			}
		}
		missing = append(missing, r.Name)
	}
	if len(missing) > 0 {
		return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s", strings.Join(missing, ", "))
	}
	return nil
}

func isTestHook(h *release.Hook) bool {
	for _, e := range h.Events {
		if e == release.HookTest {
			return true
		}
	}
	return false
}

const notesFileSuffix = "NOTES.txt"

// renderResources is action.Configuration.renderResources for `helm template`
// (no output dir, no post-renderer, no cluster access, secrets shown).
func renderResources(ch *chart.Chart, values chartutil.Values, caps *chartutil.Capabilities, includeCrds bool) ([]*release.Hook, *bytes.Buffer, error) {
	b := bytes.NewBuffer(nil)
	if ch.Metadata.KubeVersion != "" {
		if !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, caps.KubeVersion.String()) {
			return nil, b, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", ch.Metadata.KubeVersion, caps.KubeVersion.String())
		}
	}

	var e engine.Engine
	files, err := e.Render(ch, values)
	if err != nil {
		return nil, b, err
	}
	// NOTES.txt is not a manifest; `helm template` does not print it.
	for k := range files {
		if strings.HasSuffix(k, notesFileSuffix) {
			delete(files, k)
		}
	}

	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return hooks, b, err
	}
	if includeCrds {
		for _, crd := range ch.CRDObjects() {
			fmt.Fprintf(b, "---\n# Source: %s\n%s\n", crd.Filename, string(crd.File.Data))
		}
	}
	for _, m := range manifests {
		fmt.Fprintf(b, "---\n# Source: %s\n%s\n", m.Name, m.Content)
	}
	return hooks, b, nil
}

var manifestNameRegex = regexp.MustCompile("# Source: [^/]+/(.+)")

// showOnly is --show-only from cmd/helm/template.go.
func showOnly(all string, showFiles []string) (string, error) {
	splitManifests := releaseutil.SplitManifests(all)
	manifestsKeys := make([]string, 0, len(splitManifests))
	for k := range splitManifests {
		manifestsKeys = append(manifestsKeys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(manifestsKeys))

	var manifestsToRender []string
	for _, f := range showFiles {
		missing := true
		f = filepath.ToSlash(f)
		for _, manifestKey := range manifestsKeys {
			manifest := splitManifests[manifestKey]
			submatch := manifestNameRegex.FindStringSubmatch(manifest)
			if len(submatch) == 0 {
				continue
			}
			manifestPath := submatch[1]
			if matched, _ := filepath.Match(f, manifestPath); !matched {
				continue
			}
			manifestsToRender = append(manifestsToRender, manifest)
			missing = false
		}
		if missing {
			return "", fmt.Errorf("could not find template %s in chart", f)
		}
	}
	var out strings.Builder
	for _, m := range manifestsToRender {
		fmt.Fprintf(&out, "---\n%s\n", m)
	}
	return out.String(), nil
}

// mergeValues is values.Options.MergeValues (pkg/cli/values): -f files in
// order, then --set-json, --set, --set-string, --set-file, --set-literal.
func mergeValues(req *request) (map[string]interface{}, error) {
	base := map[string]interface{}{}

	for _, filePath := range req.ValueFiles {
		currentMap := map[string]interface{}{}
		data, err := readFile(filePath)
		if err != nil {
			return nil, err
		}
		if err := yaml.Unmarshal(data, &currentMap); err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", filePath, err)
		}
		base = mergeMaps(base, currentMap)
	}
	for _, value := range req.SetJSON {
		if err := strvals.ParseJSON(value, base); err != nil {
			return nil, fmt.Errorf("failed parsing --set-json data %s", value)
		}
	}
	for _, value := range req.Set {
		if err := strvals.ParseInto(value, base); err != nil {
			return nil, fmt.Errorf("failed parsing --set data: %w", err)
		}
	}
	for _, value := range req.SetString {
		if err := strvals.ParseIntoString(value, base); err != nil {
			return nil, fmt.Errorf("failed parsing --set-string data: %w", err)
		}
	}
	for _, value := range req.SetFile {
		reader := func(rs []rune) (interface{}, error) {
			data, err := readFile(string(rs))
			if err != nil {
				return nil, err
			}
			return string(data), err
		}
		if err := strvals.ParseIntoFile(value, base, reader); err != nil {
			return nil, fmt.Errorf("failed parsing --set-file data: %w", err)
		}
	}
	for _, value := range req.SetLiteral {
		if err := strvals.ParseLiteralInto(value, base); err != nil {
			return nil, fmt.Errorf("failed parsing --set-literal data: %w", err)
		}
	}
	return base, nil
}

func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if v, ok := v.(map[string]interface{}); ok {
			if bv, ok := out[k]; ok {
				if bv, ok := bv.(map[string]interface{}); ok {
					out[k] = mergeMaps(bv, v)
					continue
				}
			}
		}
		out[k] = v
	}
	return out
}

// readFile reads a values or --set-file file: "-" is stdin, and a URL whose
// scheme helm has a getter for (http, https, oci) would be downloaded by helm,
// which this build cannot do; anything else is a local path.
func readFile(filePath string) ([]byte, error) {
	if strings.TrimSpace(filePath) == "-" {
		return io.ReadAll(os.Stdin)
	}
	u, err := url.Parse(filePath)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "http", "https", "oci":
		return nil, fmt.Errorf("%s: reading values from %s URLs is not supported here; download the file and pass its path", filePath, u.Scheme)
	}
	return os.ReadFile(filePath)
}
