-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- AlterTable
ALTER TABLE "TestCase" ADD COLUMN     "expected" TEXT,
ADD COLUMN     "manual" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "severity" TEXT,
ADD COLUMN     "steps" TEXT,
ALTER COLUMN "lastStatus" DROP NOT NULL,
ALTER COLUMN "lastRunAt" DROP NOT NULL;
