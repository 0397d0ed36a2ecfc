-- Bug-report severity and status become text (see schema.prisma: a PostgreSQL enum reaches the
-- planner as an opaque CAST). Written by hand: the generated diff dropped and re-added the
-- columns, losing every value. Their indexes and statistics are rebuilt by the type change.
ALTER TABLE "BugReport" ALTER COLUMN "severity" DROP DEFAULT, ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "BugReport" ALTER COLUMN "severity" TYPE TEXT USING "severity"::text, ALTER COLUMN "status" TYPE TEXT USING "status"::text;
ALTER TABLE "BugReport" ALTER COLUMN "severity" SET DEFAULT 'medium', ALTER COLUMN "status" SET DEFAULT 'open';

-- DropEnum
DROP TYPE "BugSeverity";

-- DropEnum
DROP TYPE "BugStatus";
