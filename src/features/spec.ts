import { resolveBundled } from '../bundled.ts';
import { parseConfig, readConfigFile } from '../config-file.ts';
import { ConfigError, closestName } from '../errors.ts';
import { ACTIVITY_TYPES, DERIVATIONS, FeatureSpec, type FeatureDef } from '../schema/index.ts';

/**
 * Feature definitions (features/*.yaml): loading, the checks a schema cannot express (unique names,
 * ratio references, activity names against the warehouse), and the questions the compiler asks of a
 * spec. The shape itself is src/schema/feature-spec.ts. The file a spec came from is remembered on the
 * side, for error messages.
 */

export {
  ACTIVITY_AGGS,
  CategoricalEncoding,
  DERIVATIONS,
  FeatureDef,
  FeatureSpec,
  LEAD_ATTRIBUTE_COLUMNS,
  NumericEncoding,
  type ActivityAgg,
  type Derivation,
} from '../schema/feature-spec.ts';

const FEATURES_HINT = 'see features/default.yaml for a complete example';

/** The kind (numeric or categorical) of a feature's raw values. */
export function featureKind(f: FeatureDef): 'numeric' | 'categorical' {
  switch (f.type) {
    case 'attribute':
    case 'expr':
    case 'extra':
      return f.kind;
    case 'derived':
      return DERIVATIONS[f.derive];
    default:
      return 'numeric';
  }
}

/** The features that are built (definitions minus `exclude`), in file order. */
export function activeFeatures(spec: FeatureSpec): FeatureDef[] {
  const drop = new Set(spec.exclude);
  return spec.features.filter((f) => !drop.has(f.name));
}

const sources = new WeakMap<object, string>();

/** The file a spec was loaded from (for error messages), or a generic label. */
export function specSource(spec: FeatureSpec): string {
  return sources.get(spec) ?? 'features spec';
}

/** Load and validate a features YAML file; activity names are checked against ACTIVITY_TYPES plus `knownActivities`. */
export function loadFeatureSpec(file: string, opts: { knownActivities?: readonly string[] } = {}): FeatureSpec {
  return parseFeatureSpec(readConfigFile(file, 'features file'), resolveBundled(file), opts);
}

/** Validate a parsed features object; `fileLabel` names it in errors. */
export function parseFeatureSpec(
  obj: unknown,
  fileLabel: string,
  opts: { knownActivities?: readonly string[] } = {},
): FeatureSpec {
  const spec = parseConfig(FeatureSpec, obj, fileLabel, FEATURES_HINT);
  sources.set(spec, fileLabel);
  checkReferences(spec, fileLabel, obj);
  validateActivityNames(spec, opts.knownActivities ?? []);
  return spec;
}

/**
 * Check every activity name in the spec against ACTIVITY_TYPES ∪ known ∪ groups; throws a ConfigError with a
 * suggestion.
 */
export function validateActivityNames(spec: FeatureSpec, known: readonly string[]): void {
  const file = specSource(spec);
  const groups = Object.keys(spec.activity_groups);
  const vocabulary = [...new Set([...ACTIVITY_TYPES, ...known])];
  const check = (n: string, where: string, allowGroups: boolean) => {
    if (n === 'all' && allowGroups) return;
    if (vocabulary.includes(n) || (allowGroups && groups.includes(n))) return;
    const candidates = allowGroups ? [...vocabulary, ...groups, 'all'] : vocabulary;
    const guess = closestName(n, candidates);
    throw new ConfigError(
      `${file}: ${where}: unknown activity "${n}"`,
      guess ? `did you mean "${guess}"? (known: ${candidates.join(', ')})` : `use one of: ${candidates.join(', ')}`,
    );
  };
  for (const [g, types] of Object.entries(spec.activity_groups))
    types.forEach((t, i) => check(t, `activity_groups.${g}[${i}]`, false));
  spec.features.forEach((f, i) => {
    if (f.type === 'activity' || f.type === 'burst')
      f.activities.forEach((a, j) => check(a, `features[${i}] (${f.name}).activities[${j}]`, true));
  });
}

function checkReferences(spec: FeatureSpec, file: string, _raw: unknown): void {
  const seen = new Map<string, number>();
  spec.features.forEach((f, i) => {
    if (seen.has(f.name)) {
      throw new ConfigError(
        `${file}: features[${i}].name: "${f.name}" is already used by features[${seen.get(f.name)}]`,
        'give every feature a unique name',
      );
    }
    if (['lead_id', 'as_of', 'label'].includes(f.name) || f.name.startsWith('_')) {
      throw new ConfigError(`${file}: features[${i}].name: "${f.name}" is reserved`, 'pick another name');
    }
    seen.set(f.name, i);
  });
  const byName = new Map(spec.features.map((f) => [f.name, f]));
  spec.features.forEach((f, i) => {
    if (f.type !== 'ratio') return;
    for (const key of ['numerator', 'denominator'] as const) {
      const ref = byName.get(f[key]);
      if (!ref || ref.type !== 'activity') {
        const actNames = spec.features.filter((x) => x.type === 'activity').map((x) => x.name);
        const guess = closestName(f[key], actNames);
        throw new ConfigError(
          `${file}: features[${i}] (${f.name}).${key}: "${f[key]}" is not an activity feature in this file`,
          guess ? `did you mean "${guess}"?` : 'name an activity feature defined under features:',
        );
      }
    }
  });
  spec.exclude.forEach((n, i) => {
    if (!byName.has(n)) {
      const guess = closestName(n, [...byName.keys()]);
      throw new ConfigError(
        `${file}: exclude[${i}]: no feature named "${n}"`,
        guess ? `did you mean "${guess}"?` : 'list names from features:',
      );
    }
  });
  spec.features.forEach((f, i) => {
    if ((f.type !== 'derived' && f.type !== 'expr') || !f.encoding) return;
    // the encoding union picks numeric or categorical options; they must match the feature's kind
    const kind = featureKind(f);
    const isNumeric = 'log1p' in f.encoding;
    if (isNumeric !== (kind === 'numeric')) {
      throw new ConfigError(
        `${file}: features[${i}] (${f.name}).encoding: this feature is ${kind}, so its encoding options must be ` +
          `${kind === 'numeric' ? 'log1p / clip / missing_indicator' : 'top_k / min_count'}`,
        'change the encoding keys or the feature kind',
      );
    }
  });
}
