/**
 * What to write instead of a Quantity weight where a TrafficSplit version wants an integer.
 * SMI's v1alpha2 to v1alpha4 type `weight` as an integer, and the CRD's schema for those
 * versions has the API server reject `weight: 900m`; only v1alpha1 takes Quantities.
 *
 * @packageDocumentation
 */

import { decodeQuantity, isQuantityError, isWholeMilli, milliValue } from "./quantity.js";

/**
 * The fix for `weight` (a Quantity string such as `"900m"`) under an integer-weight version:
 * `write weight: 900 (...), or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights`.
 * A whole weight (`"2"`, `"1k"`) becomes that integer; a fractional one its thousandths, and
 * then every other weight of the split must be written in thousandths too. Undefined when
 * `weight` is no Quantity, is negative, or is finer than 1m (other diagnostics say so).
 */
export function integerWeightFix(weight: unknown): string | undefined {
  const q = decodeQuantity(weight);
  if (isQuantityError(q) || q.nanos < 0n || !isWholeMilli(q)) return undefined;
  const milli = milliValue(q);
  const alternative = "or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights";
  if (milli % 1000n === 0n) {
    return `write weight: ${String(milli / 1000n)} (v1alpha2 weights are integers), ${alternative}`;
  }
  return `write weight: ${String(milli)} (v1alpha2 weights are integers: this is the weight in thousandths, so write the split's other weights in thousandths too), ${alternative}`;
}
