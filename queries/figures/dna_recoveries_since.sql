-- dna_recoveries_since: "persons recovered with method `dna` from the DNA system's start (2009-04-01) to D"
-- Parameters: $dna_since, $as_of (DATE).
SELECT count(*)::INTEGER AS dna_recoveries_since
FROM persons
WHERE recovery_method = 'dna' AND recovered_on BETWEEN $dna_since AND $as_of;
