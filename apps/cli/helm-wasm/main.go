//go:build js && wasm

// Command helm-wasm is `helm template` compiled to WebAssembly for the
// linkerd-smi CLI, so that `linkerd smi install` prints exactly what the helm
// binary would, without a helm binary.
//
// It uses Helm 4's own packages (helm.sh/helm/v4 at the version in go.mod):
// the chart loader (pkg/chart/loader, including .helmignore handling), value
// parsing (pkg/chart/v2/loader's LoadValues and MergeMaps, pkg/strvals), chart
// values coalescing and schema validation (pkg/chart/common/util), dependency
// processing (pkg/chart/v2/util), the template engine (pkg/engine) and
// manifest sorting (pkg/release/v1/util). helm's pkg/action and
// pkg/cli/values do not compile for GOOS=js (they pull in terminal and signal
// handling through the Kubernetes client), so this file does what
// `helm template` (pkg/cmd/template.go), its runInstall, values.Options.MergeValues
// and the client-only dry-run path of action.Install do around those packages,
// step for step and with the same error texts. It logs as the helm binary
// does (log/slog's text handler without the time, debug off, the log
// package's output through it). The default .Capabilities.KubeVersion is, as
// in the helm binary, the k8s.io/client-go version of the build
// (v0.X.Y -> v1.X), read from the build info, so go.mod must resolve the
// client-go helm's go.mod requires (build-helm-wasm.sh checks it); the helm
// version string is set with the binary's -X ldflags.
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
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"syscall/js"

	ci "helm.sh/helm/v4/pkg/chart"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	v2loader "helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	release "helm.sh/helm/v4/pkg/release/v1"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"helm.sh/helm/v4/pkg/strvals"
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

// helm logs warnings (coalescing, symlinks, a deprecated chart) with log/slog,
// set up as pkg/cmd's SetupLogging does (internal/logging.NewLogger): a text
// handler on stderr without the time, debug messages off (no --debug), and
// the log package's output through it (slog.SetDefault). We collect them per
// call.
var logs bytes.Buffer

type noDebug struct{ slog.Handler }

func (h noDebug) Enabled(_ context.Context, level slog.Level) bool { return level != slog.LevelDebug }
func (h noDebug) WithAttrs(a []slog.Attr) slog.Handler             { return noDebug{h.Handler.WithAttrs(a)} }
func (h noDebug) WithGroup(name string) slog.Handler               { return noDebug{h.Handler.WithGroup(name)} }

func main() {
	slog.SetDefault(slog.New(noDebug{slog.NewTextHandler(&logs, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})}))

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
			r.HelmVersion = common.DefaultCapabilities.HelmVersion.Version
			r.KubeVersion = common.DefaultCapabilities.KubeVersion.Version
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

// locateChart is ChartPathOptions.LocateChart for a local path (no repository,
// no --verify): the absolute path of an existing file or directory. helm would
// look a name that is not a path up in its repositories, which this build
// cannot do; it says the path is not found, as helm does for ./name or /name.
func locateChart(name string) (string, error) {
	name = strings.TrimSpace(name)
	if _, err := os.Stat(name); err != nil {
		return name, fmt.Errorf("path %q not found", name)
	}
	return filepath.Abs(name)
}

// loadChart is locateChart followed by loader.Load, as in helm's runInstall,
// for the charts Helm 4's install takes (apiVersion v1 and v2).
func loadChart(name string) (*chart.Chart, error) {
	cp, err := locateChart(name)
	if err != nil {
		return nil, err
	}
	ch, err := loader.Load(cp)
	if err != nil {
		return nil, err
	}
	return v2Chart(ch)
}

// v2Chart is the type switch that begins action.Install.RunWithContext.
func v2Chart(ch ci.Charter) (*chart.Chart, error) {
	switch c := ch.(type) {
	case *chart.Chart:
		return c, nil
	case chart.Chart:
		return &c, nil
	default:
		return nil, errors.New("invalid chart apiVersion")
	}
}

// template is `helm template` (pkg/cmd/template.go with runInstall and the
// client-only dry-run path of action.Install.RunWithContext, Replace set).
func template(req *request, r *response) (string, error) {
	var kubeVersion *common.KubeVersion
	if req.KubeVersion != "" {
		kv, err := common.ParseKubeVersion(req.KubeVersion)
		if err != nil {
			return "", fmt.Errorf("invalid kube version '%s': %w", req.KubeVersion, err)
		}
		kubeVersion = kv
	}
	releaseName := req.ReleaseName
	if releaseName == "" {
		releaseName = "release-name"
	}
	namespace := req.Namespace
	if namespace == "" {
		namespace = "default"
	}

	// runInstall: locate the chart, merge values, load the chart.
	cp, err := locateChart(req.ChartDir)
	if err != nil {
		return "", err
	}
	vals, err := mergeValues(req)
	if err != nil {
		return "", err
	}
	chartRequested, err := loader.Load(cp)
	if err != nil {
		return "", err
	}
	ac, err := ci.NewAccessor(chartRequested)
	if err != nil {
		return "", err
	}
	switch t := ac.MetadataAsMap()["Type"]; t {
	case "", "application":
	default:
		return "", fmt.Errorf("%s charts are not installable", t)
	}
	if ac.Deprecated() {
		slog.Warn("this chart is deprecated")
	}
	if deps := ac.MetaDependencies(); len(deps) > 0 {
		if _, err := sourceDateEpochFromEnv(); err != nil {
			return "", err
		}
		if err := checkDependencies(chartRequested, deps); err != nil {
			return "", fmt.Errorf("an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: %w", err)
		}
	}

	// action.Install.RunWithContext, client-only dry run.
	chrt, err := v2Chart(chartRequested)
	if err != nil {
		return "", err
	}
	// availableName: on a dry run, only the name's validity. helm logs these
	// two failures (cfg.Logger() is slog's default) before returning them.
	if err := chartutil.ValidateReleaseName(releaseName); err != nil {
		err = fmt.Errorf("release name %q: %w", releaseName, err)
		slog.Error("release name check failed", slog.Any("error", err))
		return "", fmt.Errorf("release name check failed: %w", err)
	}
	if err := chartutil.ProcessDependencies(chrt, vals); err != nil {
		slog.Error("chart dependencies processing failed", slog.Any("error", err))
		return "", fmt.Errorf("chart dependencies processing failed: %w", err)
	}
	caps := common.DefaultCapabilities.Copy()
	if kubeVersion != nil {
		caps.KubeVersion = *kubeVersion
	}
	caps.APIVersions = append(caps.APIVersions, common.VersionSet(req.APIVersions)...)
	isUpgrade := req.IsUpgrade
	options := common.ReleaseOptions{
		Name:      releaseName,
		Namespace: namespace,
		Revision:  1,
		IsInstall: !isUpgrade,
		IsUpgrade: isUpgrade,
	}
	valuesToRender, err := util.ToRenderValuesWithSchemaValidation(chrt, vals, options, caps, false)
	if err != nil {
		return "", err
	}
	hooks, manifestDoc, err := renderResources(chrt, valuesToRender, caps, req.IncludeCRDs)
	if err != nil {
		// helm adds "\n\nUse --debug flag to render out invalid YAML" here,
		// which does not apply to the linkerd-smi CLI.
		return "", err
	}

	// pkg/cmd/template.go: manifests, then hooks, then --show-only.
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

// sourceDateEpochFromEnv is pkg/cmd's: runInstall reads it (for `helm
// dependency update`) before checking a chart's dependencies.
func sourceDateEpochFromEnv() (*int64, error) {
	epochStr, ok := os.LookupEnv("SOURCE_DATE_EPOCH")
	if !ok || epochStr == "" {
		return nil, nil
	}
	epoch, err := strconv.ParseInt(epochStr, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("invalid SOURCE_DATE_EPOCH: %w", err)
	}
	if epoch < 0 {
		return nil, errors.New("invalid SOURCE_DATE_EPOCH: must not be negative")
	}
	return &epoch, nil
}

// checkDependencies is action.CheckDependencies.
func checkDependencies(ch ci.Charter, reqs []ci.Dependency) error {
	ac, err := ci.NewAccessor(ch)
	if err != nil {
		return err
	}
	var missing []string
outer:
	for _, r := range reqs {
		rac, err := ci.NewDependencyAccessor(r)
		if err != nil {
			return err
		}
		for _, d := range ac.Dependencies() {
			dac, err := ci.NewAccessor(d)
			if err != nil {
				return err
			}
			if dac.Name() == rac.Name() {
				continue outer
			}
		}
		missing = append(missing, rac.Name())
	}
	if len(missing) > 0 {
		return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s", strings.Join(missing, ", "))
	}
	return nil
}

func isTestHook(h *release.Hook) bool {
	return slices.Contains(h.Events, release.HookTest)
}

const notesFileSuffix = "NOTES.txt"

// renderResources is action.Configuration.renderResources for `helm template`
// (no output dir, no post-renderer, no cluster access, no DNS, secrets shown).
func renderResources(ch *chart.Chart, values common.Values, caps *common.Capabilities, includeCrds bool) ([]*release.Hook, *bytes.Buffer, error) {
	var hs []*release.Hook
	b := bytes.NewBuffer(nil)
	if ch.Metadata.KubeVersion != "" {
		if !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, caps.KubeVersion.String()) {
			return hs, b, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", ch.Metadata.KubeVersion, caps.KubeVersion.Version)
		}
	}

	var e engine.Engine
	files, err := e.RenderWithContext(context.Background(), ch, values)
	if err != nil {
		return hs, b, err
	}
	// NOTES.txt is not a manifest; `helm template` does not print it.
	for k := range files {
		if strings.HasSuffix(k, notesFileSuffix) {
			delete(files, k)
		}
	}

	hs, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return hs, b, err
	}
	if includeCrds {
		for _, crd := range ch.CRDObjects() {
			fmt.Fprintf(b, "---\n# Source: %s\n%s\n", crd.Filename, string(crd.File.Data))
		}
	}
	for _, m := range manifests {
		fmt.Fprintf(b, "---\n# Source: %s\n%s\n", m.Name, m.Content)
	}
	return hs, b, nil
}

var manifestNameRegex = regexp.MustCompile("# Source: [^/]+/(.+)")

// showOnly is --show-only from pkg/cmd/template.go.
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
func mergeValues(req *request) (map[string]any, error) {
	base := map[string]any{}

	for _, filePath := range req.ValueFiles {
		raw, err := readFile(filePath)
		if err != nil {
			return nil, err
		}
		currentMap, err := v2loader.LoadValues(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", filePath, err)
		}
		base = v2loader.MergeMaps(base, currentMap)
	}
	for _, value := range req.SetJSON {
		trimmedValue := strings.TrimSpace(value)
		if trimmedValue != "" && trimmedValue[0] == '{' {
			var jsonMap map[string]any
			if err := json.Unmarshal([]byte(trimmedValue), &jsonMap); err != nil {
				return nil, fmt.Errorf("failed parsing --set-json data JSON: %s", value)
			}
			base = v2loader.MergeMaps(base, jsonMap)
		} else if err := strvals.ParseJSON(value, base); err != nil {
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
		reader := func(rs []rune) (any, error) {
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
