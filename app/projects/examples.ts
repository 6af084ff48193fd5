/**
 * Example values that the OpenAPI document shows beside each schema (and that Spectral
 * checks against it), kept apart so schema.ts stays about the rules.
 */
export const exampleProject = {
  id: '665f1c2e9b1d4a3f8c7e6d5a',
  name: 'Riverside library extension',
  budget: 1250000.5,
  currency: 'EUR',
  status: 'in_progress',
  location: 'Lyon',
  startDate: '2026-03-01',
  endDate: '2027-06-30',
  createdAt: '2026-02-14T09:30:00.000Z',
  updatedAt: '2026-05-02T16:05:12.000Z',
  createdBy: '665f1c2e9b1d4a3f8c7e6d5b',
  version: 3,
};

export const exampleCreate = {
  name: 'Riverside library extension',
  budget: 1250000.5,
  currency: 'EUR',
  status: 'planning',
  location: 'Lyon',
  startDate: '2026-03-01',
  endDate: '2027-06-30',
};

export const examplePatch = { status: 'in_progress', location: null };

export const examplePage = {
  items: [exampleProject],
  nextCursor: 'eyJzIjoiLWNyZWF0ZWRBdCIsInYiOiIyMDI2LTAyLTE0In0',
};

export const exampleStats = {
  total: 3,
  byStatus: { planning: 1, in_progress: 1, completed: 1 },
  budget: {
    total: 2500000.5,
    byStatus: { planning: 1000000, in_progress: 1250000.5, completed: 250000 },
  },
};
