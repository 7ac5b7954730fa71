/** Chinese labels as enum value descriptions (registerEnumType's valuesConfig); kept apart from services so entities load without them. */
export const describeValues = (labels: Record<string, string>) => Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, { description: v }]));
