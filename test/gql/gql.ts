/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation CreateProjectToken($project: ID!, $name: String!, $abilities: [ProjectAbility!]!, $expiresAt: DateTime) {\n    createProjectToken(input: { project: $project, name: $name, abilities: $abilities, expiresAt: $expiresAt }) { secret token { id prefix abilities kind } userErrors { code message } }\n  }": typeof types.CreateProjectTokenDocument,
    "\n  mutation RevokeToken($id: ID!) {\n    revokeToken(input: { id: $id }) { token { id revokedAt } userErrors { code message } }\n  }": typeof types.RevokeTokenDocument,
    "query Viewer { viewer { email isAdmin } projects { databaseId slug } }": typeof types.ViewerDocument,
    "\n  mutation CreateWorkspace($slug: String!, $name: String!) {\n    createWorkspace(input: { slug: $slug, name: $name }) { workspace { slug features } userErrors { code message } }\n  }": typeof types.CreateWorkspaceDocument,
    "mutation Record($source: String!, $summary: String!) { recordActivity(input: { source: $source, summary: $summary }) { activity { id } userErrors { code } } }": typeof types.RecordDocument,
    "\n  mutation ReportError($source: BugReportSource!, $errorMessage: String) {\n    reportError(input: { source: $source, errorMessage: $errorMessage }) { created summary { id databaseId occurrenceCount } bugReport { id occurrenceCount userJourney reporter { id } } userErrors { code message } }\n  }": typeof types.ReportErrorDocument,
    "\n  query BugReports($filter: BugReportFilter, $first: Int, $after: String) {\n    bugReports(filter: $filter, first: $first, after: $after) { edges { node { id title source severity status } } pageInfo { hasNextPage endCursor } }\n  }": typeof types.BugReportsDocument,
    "mutation UpdateBug($id: ID!, $status: BugStatus) { updateBugReport(input: { id: $id, status: $status }) { bugReport { status resolvedAt } userErrors { code } } }": typeof types.UpdateBugDocument,
    "mutation PromoteBug($id: ID!, $project: ID!) { promoteBugReport(input: { id: $id, project: $project }) { issue { id title } bugReport { issue { id } } userErrors { code message } } }": typeof types.PromoteBugDocument,
    "mutation DeleteBug($id: ID!) { deleteBugReport(input: { id: $id }) { deletedBugReportId userErrors { code } } }": typeof types.DeleteBugDocument,
    "\n  query ErrorGroups($project: ID!, $filter: ErrorGroupFilter, $orderBy: ErrorGroupOrder, $first: Int, $after: String) {\n    project(id: $project) {\n      errorGroups(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n        edges { node { id databaseId exceptionClass environment occurrenceCount status isRegression issue { id } } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }": typeof types.ErrorGroupsDocument,
    "mutation Resolve($id: ID!) { resolveErrorGroup(input: { id: $id }) { errorGroup { id status resolvedAt } userErrors { code message } } }": typeof types.ResolveDocument,
    "mutation Ignore($id: ID!) { ignoreErrorGroup(input: { id: $id }) { errorGroup { status } userErrors { code } } }": typeof types.IgnoreDocument,
    "mutation Reopen($id: ID!) { reopenErrorGroup(input: { id: $id }) { errorGroup { status } userErrors { code } } }": typeof types.ReopenDocument,
    "\n  mutation Promote($id: ID!, $title: String) {\n    promoteErrorGroup(input: { id: $id, title: $title }) { errorGroup { id issue { id } } issue { id title status } userErrors { code message } }\n  }": typeof types.PromoteDocument,
    "query ErrorGroup($id: ID!) { errorGroup(id: $id) { id exceptionClass regressedAt isRegression } }": typeof types.ErrorGroupDocument,
    "\n  query NodeGlobalIds($report: ID!, $issue: ID!, $errorGroup: ID!, $bugReport: ID!, $project: ID!) {\n    report(id: $report) { id }\n    issue(id: $issue) { id }\n    errorGroup(id: $errorGroup) { id }\n    bugReport(id: $bugReport) { id }\n    project(id: $project) { id }\n    workspaces { id slug }\n  }": typeof types.NodeGlobalIdsDocument,
    "\n  query NodeById($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Report { databaseId title }\n      ... on Issue { databaseId title status }\n      ... on ErrorGroup { databaseId exceptionClass }\n      ... on BugReport { bugReportId: databaseId title severity }\n      ... on Project { databaseId slug }\n      ... on Workspace { workspaceId: databaseId slug }\n    }\n  }": typeof types.NodeByIdDocument,
    "\n  query NodesByIds($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n      ... on Report { databaseId title }\n      ... on Issue { databaseId title }\n      ... on Project { databaseId slug }\n    }\n  }": typeof types.NodesByIdsDocument,
    "query NodeReport($id: ID!) { report(id: $id) { id databaseId title } }": typeof types.NodeReportDocument,
    "\n  query Board($project: ID!, $filter: ReportFilter, $first: Int) {\n    project(id: $project) {\n      reports(filter: $filter, first: $first) {\n        edges { node { id title status order source authorName reporter { id } attachments { filename mimeType size url } project { id databaseId } issue { id databaseId title } } }\n      }\n    }\n  }": typeof types.BoardDocument,
    "\n  mutation Submit($project: ID!, $title: String!, $description: String!) {\n    submitReport(input: { project: $project, title: $title, description: $description }) { report { id databaseId source reporter { id } } userErrors { code } }\n  }": typeof types.SubmitDocument,
    "\n  mutation PromoteReports($project: ID!, $reportIds: [ID!]!) {\n    promoteReports(input: { project: $project, reportIds: $reportIds }) { issue { id } reports { status } userErrors { code field message } }\n  }": typeof types.PromoteReportsDocument,
    "mutation UpdateIssue($id: ID!, $status: IssueStatus) { updateIssue(input: { id: $id, status: $status }) { issue { status } userErrors { code } } }": typeof types.UpdateIssueDocument,
};
const documents: Documents = {
    "\n  mutation CreateProjectToken($project: ID!, $name: String!, $abilities: [ProjectAbility!]!, $expiresAt: DateTime) {\n    createProjectToken(input: { project: $project, name: $name, abilities: $abilities, expiresAt: $expiresAt }) { secret token { id prefix abilities kind } userErrors { code message } }\n  }": types.CreateProjectTokenDocument,
    "\n  mutation RevokeToken($id: ID!) {\n    revokeToken(input: { id: $id }) { token { id revokedAt } userErrors { code message } }\n  }": types.RevokeTokenDocument,
    "query Viewer { viewer { email isAdmin } projects { databaseId slug } }": types.ViewerDocument,
    "\n  mutation CreateWorkspace($slug: String!, $name: String!) {\n    createWorkspace(input: { slug: $slug, name: $name }) { workspace { slug features } userErrors { code message } }\n  }": types.CreateWorkspaceDocument,
    "mutation Record($source: String!, $summary: String!) { recordActivity(input: { source: $source, summary: $summary }) { activity { id } userErrors { code } } }": types.RecordDocument,
    "\n  mutation ReportError($source: BugReportSource!, $errorMessage: String) {\n    reportError(input: { source: $source, errorMessage: $errorMessage }) { created summary { id databaseId occurrenceCount } bugReport { id occurrenceCount userJourney reporter { id } } userErrors { code message } }\n  }": types.ReportErrorDocument,
    "\n  query BugReports($filter: BugReportFilter, $first: Int, $after: String) {\n    bugReports(filter: $filter, first: $first, after: $after) { edges { node { id title source severity status } } pageInfo { hasNextPage endCursor } }\n  }": types.BugReportsDocument,
    "mutation UpdateBug($id: ID!, $status: BugStatus) { updateBugReport(input: { id: $id, status: $status }) { bugReport { status resolvedAt } userErrors { code } } }": types.UpdateBugDocument,
    "mutation PromoteBug($id: ID!, $project: ID!) { promoteBugReport(input: { id: $id, project: $project }) { issue { id title } bugReport { issue { id } } userErrors { code message } } }": types.PromoteBugDocument,
    "mutation DeleteBug($id: ID!) { deleteBugReport(input: { id: $id }) { deletedBugReportId userErrors { code } } }": types.DeleteBugDocument,
    "\n  query ErrorGroups($project: ID!, $filter: ErrorGroupFilter, $orderBy: ErrorGroupOrder, $first: Int, $after: String) {\n    project(id: $project) {\n      errorGroups(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n        edges { node { id databaseId exceptionClass environment occurrenceCount status isRegression issue { id } } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }": types.ErrorGroupsDocument,
    "mutation Resolve($id: ID!) { resolveErrorGroup(input: { id: $id }) { errorGroup { id status resolvedAt } userErrors { code message } } }": types.ResolveDocument,
    "mutation Ignore($id: ID!) { ignoreErrorGroup(input: { id: $id }) { errorGroup { status } userErrors { code } } }": types.IgnoreDocument,
    "mutation Reopen($id: ID!) { reopenErrorGroup(input: { id: $id }) { errorGroup { status } userErrors { code } } }": types.ReopenDocument,
    "\n  mutation Promote($id: ID!, $title: String) {\n    promoteErrorGroup(input: { id: $id, title: $title }) { errorGroup { id issue { id } } issue { id title status } userErrors { code message } }\n  }": types.PromoteDocument,
    "query ErrorGroup($id: ID!) { errorGroup(id: $id) { id exceptionClass regressedAt isRegression } }": types.ErrorGroupDocument,
    "\n  query NodeGlobalIds($report: ID!, $issue: ID!, $errorGroup: ID!, $bugReport: ID!, $project: ID!) {\n    report(id: $report) { id }\n    issue(id: $issue) { id }\n    errorGroup(id: $errorGroup) { id }\n    bugReport(id: $bugReport) { id }\n    project(id: $project) { id }\n    workspaces { id slug }\n  }": types.NodeGlobalIdsDocument,
    "\n  query NodeById($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Report { databaseId title }\n      ... on Issue { databaseId title status }\n      ... on ErrorGroup { databaseId exceptionClass }\n      ... on BugReport { bugReportId: databaseId title severity }\n      ... on Project { databaseId slug }\n      ... on Workspace { workspaceId: databaseId slug }\n    }\n  }": types.NodeByIdDocument,
    "\n  query NodesByIds($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n      ... on Report { databaseId title }\n      ... on Issue { databaseId title }\n      ... on Project { databaseId slug }\n    }\n  }": types.NodesByIdsDocument,
    "query NodeReport($id: ID!) { report(id: $id) { id databaseId title } }": types.NodeReportDocument,
    "\n  query Board($project: ID!, $filter: ReportFilter, $first: Int) {\n    project(id: $project) {\n      reports(filter: $filter, first: $first) {\n        edges { node { id title status order source authorName reporter { id } attachments { filename mimeType size url } project { id databaseId } issue { id databaseId title } } }\n      }\n    }\n  }": types.BoardDocument,
    "\n  mutation Submit($project: ID!, $title: String!, $description: String!) {\n    submitReport(input: { project: $project, title: $title, description: $description }) { report { id databaseId source reporter { id } } userErrors { code } }\n  }": types.SubmitDocument,
    "\n  mutation PromoteReports($project: ID!, $reportIds: [ID!]!) {\n    promoteReports(input: { project: $project, reportIds: $reportIds }) { issue { id } reports { status } userErrors { code field message } }\n  }": types.PromoteReportsDocument,
    "mutation UpdateIssue($id: ID!, $status: IssueStatus) { updateIssue(input: { id: $id, status: $status }) { issue { status } userErrors { code } } }": types.UpdateIssueDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateProjectToken($project: ID!, $name: String!, $abilities: [ProjectAbility!]!, $expiresAt: DateTime) {\n    createProjectToken(input: { project: $project, name: $name, abilities: $abilities, expiresAt: $expiresAt }) { secret token { id prefix abilities kind } userErrors { code message } }\n  }"): (typeof documents)["\n  mutation CreateProjectToken($project: ID!, $name: String!, $abilities: [ProjectAbility!]!, $expiresAt: DateTime) {\n    createProjectToken(input: { project: $project, name: $name, abilities: $abilities, expiresAt: $expiresAt }) { secret token { id prefix abilities kind } userErrors { code message } }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeToken($id: ID!) {\n    revokeToken(input: { id: $id }) { token { id revokedAt } userErrors { code message } }\n  }"): (typeof documents)["\n  mutation RevokeToken($id: ID!) {\n    revokeToken(input: { id: $id }) { token { id revokedAt } userErrors { code message } }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Viewer { viewer { email isAdmin } projects { databaseId slug } }"): (typeof documents)["query Viewer { viewer { email isAdmin } projects { databaseId slug } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWorkspace($slug: String!, $name: String!) {\n    createWorkspace(input: { slug: $slug, name: $name }) { workspace { slug features } userErrors { code message } }\n  }"): (typeof documents)["\n  mutation CreateWorkspace($slug: String!, $name: String!) {\n    createWorkspace(input: { slug: $slug, name: $name }) { workspace { slug features } userErrors { code message } }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Record($source: String!, $summary: String!) { recordActivity(input: { source: $source, summary: $summary }) { activity { id } userErrors { code } } }"): (typeof documents)["mutation Record($source: String!, $summary: String!) { recordActivity(input: { source: $source, summary: $summary }) { activity { id } userErrors { code } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportError($source: BugReportSource!, $errorMessage: String) {\n    reportError(input: { source: $source, errorMessage: $errorMessage }) { created summary { id databaseId occurrenceCount } bugReport { id occurrenceCount userJourney reporter { id } } userErrors { code message } }\n  }"): (typeof documents)["\n  mutation ReportError($source: BugReportSource!, $errorMessage: String) {\n    reportError(input: { source: $source, errorMessage: $errorMessage }) { created summary { id databaseId occurrenceCount } bugReport { id occurrenceCount userJourney reporter { id } } userErrors { code message } }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BugReports($filter: BugReportFilter, $first: Int, $after: String) {\n    bugReports(filter: $filter, first: $first, after: $after) { edges { node { id title source severity status } } pageInfo { hasNextPage endCursor } }\n  }"): (typeof documents)["\n  query BugReports($filter: BugReportFilter, $first: Int, $after: String) {\n    bugReports(filter: $filter, first: $first, after: $after) { edges { node { id title source severity status } } pageInfo { hasNextPage endCursor } }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateBug($id: ID!, $status: BugStatus) { updateBugReport(input: { id: $id, status: $status }) { bugReport { status resolvedAt } userErrors { code } } }"): (typeof documents)["mutation UpdateBug($id: ID!, $status: BugStatus) { updateBugReport(input: { id: $id, status: $status }) { bugReport { status resolvedAt } userErrors { code } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PromoteBug($id: ID!, $project: ID!) { promoteBugReport(input: { id: $id, project: $project }) { issue { id title } bugReport { issue { id } } userErrors { code message } } }"): (typeof documents)["mutation PromoteBug($id: ID!, $project: ID!) { promoteBugReport(input: { id: $id, project: $project }) { issue { id title } bugReport { issue { id } } userErrors { code message } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteBug($id: ID!) { deleteBugReport(input: { id: $id }) { deletedBugReportId userErrors { code } } }"): (typeof documents)["mutation DeleteBug($id: ID!) { deleteBugReport(input: { id: $id }) { deletedBugReportId userErrors { code } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ErrorGroups($project: ID!, $filter: ErrorGroupFilter, $orderBy: ErrorGroupOrder, $first: Int, $after: String) {\n    project(id: $project) {\n      errorGroups(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n        edges { node { id databaseId exceptionClass environment occurrenceCount status isRegression issue { id } } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }"): (typeof documents)["\n  query ErrorGroups($project: ID!, $filter: ErrorGroupFilter, $orderBy: ErrorGroupOrder, $first: Int, $after: String) {\n    project(id: $project) {\n      errorGroups(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n        edges { node { id databaseId exceptionClass environment occurrenceCount status isRegression issue { id } } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Resolve($id: ID!) { resolveErrorGroup(input: { id: $id }) { errorGroup { id status resolvedAt } userErrors { code message } } }"): (typeof documents)["mutation Resolve($id: ID!) { resolveErrorGroup(input: { id: $id }) { errorGroup { id status resolvedAt } userErrors { code message } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Ignore($id: ID!) { ignoreErrorGroup(input: { id: $id }) { errorGroup { status } userErrors { code } } }"): (typeof documents)["mutation Ignore($id: ID!) { ignoreErrorGroup(input: { id: $id }) { errorGroup { status } userErrors { code } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Reopen($id: ID!) { reopenErrorGroup(input: { id: $id }) { errorGroup { status } userErrors { code } } }"): (typeof documents)["mutation Reopen($id: ID!) { reopenErrorGroup(input: { id: $id }) { errorGroup { status } userErrors { code } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Promote($id: ID!, $title: String) {\n    promoteErrorGroup(input: { id: $id, title: $title }) { errorGroup { id issue { id } } issue { id title status } userErrors { code message } }\n  }"): (typeof documents)["\n  mutation Promote($id: ID!, $title: String) {\n    promoteErrorGroup(input: { id: $id, title: $title }) { errorGroup { id issue { id } } issue { id title status } userErrors { code message } }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ErrorGroup($id: ID!) { errorGroup(id: $id) { id exceptionClass regressedAt isRegression } }"): (typeof documents)["query ErrorGroup($id: ID!) { errorGroup(id: $id) { id exceptionClass regressedAt isRegression } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NodeGlobalIds($report: ID!, $issue: ID!, $errorGroup: ID!, $bugReport: ID!, $project: ID!) {\n    report(id: $report) { id }\n    issue(id: $issue) { id }\n    errorGroup(id: $errorGroup) { id }\n    bugReport(id: $bugReport) { id }\n    project(id: $project) { id }\n    workspaces { id slug }\n  }"): (typeof documents)["\n  query NodeGlobalIds($report: ID!, $issue: ID!, $errorGroup: ID!, $bugReport: ID!, $project: ID!) {\n    report(id: $report) { id }\n    issue(id: $issue) { id }\n    errorGroup(id: $errorGroup) { id }\n    bugReport(id: $bugReport) { id }\n    project(id: $project) { id }\n    workspaces { id slug }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NodeById($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Report { databaseId title }\n      ... on Issue { databaseId title status }\n      ... on ErrorGroup { databaseId exceptionClass }\n      ... on BugReport { bugReportId: databaseId title severity }\n      ... on Project { databaseId slug }\n      ... on Workspace { workspaceId: databaseId slug }\n    }\n  }"): (typeof documents)["\n  query NodeById($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on Report { databaseId title }\n      ... on Issue { databaseId title status }\n      ... on ErrorGroup { databaseId exceptionClass }\n      ... on BugReport { bugReportId: databaseId title severity }\n      ... on Project { databaseId slug }\n      ... on Workspace { workspaceId: databaseId slug }\n    }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NodesByIds($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n      ... on Report { databaseId title }\n      ... on Issue { databaseId title }\n      ... on Project { databaseId slug }\n    }\n  }"): (typeof documents)["\n  query NodesByIds($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n      ... on Report { databaseId title }\n      ... on Issue { databaseId title }\n      ... on Project { databaseId slug }\n    }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query NodeReport($id: ID!) { report(id: $id) { id databaseId title } }"): (typeof documents)["query NodeReport($id: ID!) { report(id: $id) { id databaseId title } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Board($project: ID!, $filter: ReportFilter, $first: Int) {\n    project(id: $project) {\n      reports(filter: $filter, first: $first) {\n        edges { node { id title status order source authorName reporter { id } attachments { filename mimeType size url } project { id databaseId } issue { id databaseId title } } }\n      }\n    }\n  }"): (typeof documents)["\n  query Board($project: ID!, $filter: ReportFilter, $first: Int) {\n    project(id: $project) {\n      reports(filter: $filter, first: $first) {\n        edges { node { id title status order source authorName reporter { id } attachments { filename mimeType size url } project { id databaseId } issue { id databaseId title } } }\n      }\n    }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Submit($project: ID!, $title: String!, $description: String!) {\n    submitReport(input: { project: $project, title: $title, description: $description }) { report { id databaseId source reporter { id } } userErrors { code } }\n  }"): (typeof documents)["\n  mutation Submit($project: ID!, $title: String!, $description: String!) {\n    submitReport(input: { project: $project, title: $title, description: $description }) { report { id databaseId source reporter { id } } userErrors { code } }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PromoteReports($project: ID!, $reportIds: [ID!]!) {\n    promoteReports(input: { project: $project, reportIds: $reportIds }) { issue { id } reports { status } userErrors { code field message } }\n  }"): (typeof documents)["\n  mutation PromoteReports($project: ID!, $reportIds: [ID!]!) {\n    promoteReports(input: { project: $project, reportIds: $reportIds }) { issue { id } reports { status } userErrors { code field message } }\n  }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateIssue($id: ID!, $status: IssueStatus) { updateIssue(input: { id: $id, status: $status }) { issue { status } userErrors { code } } }"): (typeof documents)["mutation UpdateIssue($id: ID!, $status: IssueStatus) { updateIssue(input: { id: $id, status: $status }) { issue { status } userErrors { code } } }"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;