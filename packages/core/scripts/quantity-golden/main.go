// Command quantity-golden prints, as JSON, how k8s.io/apimachinery's
// resource.Quantity parses and formats a fixed list of inputs. The output is
// committed as packages/core/test/fixtures/quantity-golden.json and the
// TypeScript implementation in src/quantity.ts is tested against every row.
//
// apimachinery is pinned to v0.29.1, the version linkerd-smi v0.2.7 builds
// with. Regenerate with `pnpm --filter @linkerd-smi/core run golden`.
package main

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"

	"k8s.io/apimachinery/pkg/api/resource"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// maxScale bounds the decimal scale whose exact value this program expands
// into an integer count of nano units; the TypeScript side rejects
// quantities with decimal exponents beyond ±10000 as out of range.
const maxScale = 10000

// stringInputs are passed to ParseQuantity as they are, and to
// Quantity.UnmarshalJSON as a JSON string.
var stringInputs = []string{
	// canonical and common weights
	"0", "1", "500m", "0m", "1000m", "100m", "900m", "1m", "999m", "1001m", "1.5", "0.5",
	"2k", "1k", "1.5k", "0.5k", "500", "1000", "1536", "429497", "2e9",
	// fractions, signs and leading zeros
	"0.0001", "0.001", "0.0005", "0.5m", "100u", "1n", "1u", "5n", "0.1n", ".5", "5.", "1.",
	"1.500", "1.0", "01", "007", "0.0", "00", "-0", "+0", "-1", "+5", "+500m", "-500m", "-0.5",
	"+.5", "-.5", "0.123456789", "0.1234567891", "1.0000000001", "1.23456789e-5",
	// decimal exponents
	"1e3", "1E3", "1e+3", "1E-3", "1e-3", "1e-0", "1e00003", "0e0", "0e-10", "1e-9", "1e-10",
	"10e-10", "1.5e-10", "-1.5e-10", "1.5e3", "1.5e-7", "1e21", "1e+21", "12e6", "1e1", "1e2",
	"1e1000", "1e-1000", "-1e-1000", "1e4294967296", "1e2147483647", "2e10001",
	// decimal SI suffixes
	"1M", "1G", "1T", "1P", "1E", "9E", "100E", "1000E", "1.5E", "1.5n", "1500n", "1500000n",
	"1000000u", "1000u", "1.G", "0.000000001", "0.0000000001",
	// binary SI suffixes
	"1Ki", "1.5Ki", "8Ki", "1024Ki", "1025Ki", "1536Ki", "0.5Ki", "0.001Ki", "-1Ki", "-1.5Ki",
	"1Mi", "1.5Gi", "1Gi", "1Ti", "1Pi", "1Ei", "7Ei", "8Ei", "-8Ei", "1024Ei", "0Ki",
	"99999999999Ki", "999999999999Ki", "1023", "1024", "1025", "2048", "1023Ki", "1048576Ki",
	// limits of int64 and of Linkerd's uint32 weights
	"9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999",
	"123456789012345678", "1234567890123456789", "12345678901234567890.123", "9223372036854775807m",
	"9223372036854775.807", "9223372036854776k", "429496729m", "429496730m", "429496.729",
	"429496.73", "4294967295m", "4294967.295", "4294967296m",
	// odd but accepted by the grammar scanner
	"m", "k", "Ki", "Pi", "e3", ".", "+", "-", "+.", ".e-10", "+e-10", "-Pi",
	// invalid
	"", "abc", "1 ", " 1", " 1 ", "\t500m\n", "500mi", "1e", "1ee3", "1Ee3", "1e3.5", "1e+-3",
	"1-3", "1i", "1K", "1ki", "1KI", "1m ", "1.5.5", "1,5", "1_000", "0x10", "Infinity", "NaN",
	"12.5%", "\u0663", "1e99999999999999999999", "1 m", "--1", "+-1", "1e-", "1e+", "1Mi5", "1m3",
	// whitespace: ParseQuantity rejects it; UnmarshalJSON trims what
	// strings.TrimSpace trims, but sees JSON escapes (\t, \u2028...) as text
	"\u30001", "1\u2028", "\u000b1", "1\u200a", "\ufeff1", "\u00851",
	"1E3i", "ten", "0.5 ", "\u00a01", "1\u0085",
}

// numberInputs are JSON number literals. Each is first normalised the way
// the Kubernetes API server stores custom resources (decoded to int64 when
// it is an integer literal that fits, float64 otherwise, then re-encoded by
// encoding/json), then decoded into a Quantity with UnmarshalJSON, which is
// what the linkerd-smi adaptor's client does.
var numberInputs = []string{
	"0", "1", "-1", "0.5", "1.5", "2.5", "1000", "1e3", "1E3", "1.0", "100", "500", "0.1",
	"0.2", "0.3", "0.0001", "0.001", "0.000001", "0.0000001", "1e-7", "1.5e-7", "1e20", "1e21",
	"1e+21", "1e22", "123456789012", "429496.729", "429496.73", "33.333333333333336", "1e300",
	"5e-324", "1.7976931348623157e308", "-0", "-0.0", "9007199254740991", "4294967295",
	"0.30000000000000004", "1234.5678",
}

type result struct {
	OK     bool   `json:"ok"`
	String string `json:"string,omitempty"`
	Format string `json:"format,omitempty"`
	// Milli is Go's MilliValue(), which silently overflows int64.
	Milli string `json:"milli,omitempty"`
	// Nanos is the exact value times 10^9 (always an integer after
	// parsing), and MilliExact is ceil(value * 1000); both are computed
	// with big integers. They are omitted when the value's decimal scale
	// is beyond ±maxScale.
	Nanos      *string `json:"nanos,omitempty"`
	MilliExact *string `json:"milliExact,omitempty"`
	Error      string  `json:"error,omitempty"`
}

type row struct {
	Kind       string  `json:"kind"`
	Input      string  `json:"input"`
	Normalized *string `json:"normalized,omitempty"`
	Parse      *result `json:"parse,omitempty"`
	JSON       result  `json:"json"`
}

func describe(q resource.Quantity, err error, reparse func() resource.Quantity) result {
	if err != nil {
		return result{OK: false, Error: err.Error()}
	}
	r := result{OK: true, Format: string(q.Format)}
	// Each accessor gets a fresh copy: String() caches and AsDec() changes
	// the internal representation, which changes MilliValue's rounding of
	// negative values.
	s := reparse()
	r.String = s.String()
	m := reparse()
	r.Milli = fmt.Sprint(m.MilliValue())
	d := reparse()
	dec := d.AsDec()
	scale := int64(dec.Scale())
	if scale > maxScale || scale < -maxScale {
		return r
	}
	// value = unscaled * 10^-scale; nanos = value * 10^9
	nanos := new(big.Rat).SetInt(dec.UnscaledBig())
	shift := scale - 9
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs(shift)), nil)
	if shift >= 0 {
		nanos.Quo(nanos, new(big.Rat).SetInt(pow))
	} else {
		nanos.Mul(nanos, new(big.Rat).SetInt(pow))
	}
	if !nanos.IsInt() {
		fmt.Fprintf(os.Stderr, "value is not a whole number of nano units: %s\n", nanos)
		os.Exit(1)
	}
	n := new(big.Int).Set(nanos.Num())
	ns := n.String()
	r.Nanos = &ns
	// ceil(n / 10^6) = -floor(-n / 10^6); big.Int.Div is Euclidean (floors for a positive divisor)
	neg := new(big.Int).Neg(n)
	neg.Div(neg, big.NewInt(1_000_000))
	ms := neg.Neg(neg).String()
	r.MilliExact = &ms
	return r
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func fromJSON(data []byte) result {
	decode := func() (resource.Quantity, error) {
		var q resource.Quantity
		err := json.Unmarshal(data, &q)
		return q, err
	}
	q, err := decode()
	return describe(q, err, func() resource.Quantity { q, _ := decode(); return q })
}

func main() {
	rows := make([]row, 0, len(stringInputs)+len(numberInputs))
	for _, in := range stringInputs {
		q, err := resource.ParseQuantity(in)
		parsed := describe(q, err, func() resource.Quantity { q, _ := resource.ParseQuantity(in); return q })
		encoded, err := json.Marshal(in)
		if err != nil {
			panic(err)
		}
		rows = append(rows, row{Kind: "string", Input: in, Parse: &parsed, JSON: fromJSON(encoded)})
	}
	for _, lit := range numberInputs {
		var v interface{}
		if err := utiljson.Unmarshal([]byte(lit), &v); err != nil {
			panic(err)
		}
		normalized, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		n := string(normalized)
		rows = append(rows, row{Kind: "number", Input: lit, Normalized: &n, JSON: fromJSON(normalized)})
	}
	out := map[string]interface{}{
		"generator":   "packages/core/scripts/quantity-golden (k8s.io/apimachinery v0.29.1)",
		"maxScale":    maxScale,
		"rows":        rows,
		"_regenerate": "pnpm --filter @linkerd-smi/core run golden",
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
