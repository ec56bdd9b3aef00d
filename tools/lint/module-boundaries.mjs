// Who may import whom (DESIGN.md §7). Every project carries a `type:*` tag in its project.json;
// Nx's enforce-module-boundaries rule also forbids importing an app from anywhere.
const rules = {
  'type:contract': ['type:contract'],
  'type:infra': ['type:infra', 'type:contract'],
  'type:connector': ['type:connector', 'type:infra', 'type:contract'],
  'type:app': ['type:connector', 'type:infra', 'type:contract'],
  'type:test': ['type:test', 'type:infra', 'type:contract'],
};

/** Constraints for production code. */
export const depConstraints = Object.entries(rules).map(([sourceTag, onlyDependOnLibsWithTags]) => ({
  sourceTag,
  onlyDependOnLibsWithTags,
}));

/** Specs may also use the testing harness. */
export const specDepConstraints = Object.entries(rules).map(([sourceTag, tags]) => ({
  sourceTag,
  onlyDependOnLibsWithTags: [...new Set([...tags, 'type:test'])],
}));
