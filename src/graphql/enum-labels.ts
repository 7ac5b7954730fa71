/** GraphQL enum value descriptions from a value → Chinese label table (valuesConfig of registerEnumType). */
export function labelled(labels: Record<string, string>): Record<string, { description: string }> {
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, { description: v }]));
}
