/* esewa_vectors.h - eSewa's published test material (../shared/providers/PROVIDERS.md
 * sections 3.3 and 3.4), shared by the eSewa signature and provider tests so that both
 * check against the same vector. */
#ifndef TEST_ESEWA_VECTORS_H
#define TEST_ESEWA_VECTORS_H

#define UAT_SECRET "8gBm/:&EnhH.1/q" /* the docs' UAT key: 15 characters, no "(" */

/* The docs' success-response example, with the one-character typo of the printed
 * base64 corrected (PROVIDERS.md 3.4): vector E3, authentic success data of transaction
 * 250610-162413, as eSewa would send it. */
#define E3_DATA                                                                                    \
    "eyJ0cmFuc2FjdGlvbl9jb2RlIjoiMDAwQVdFTyIsInN0YXR1cyI6IkNPTVBMRVRFIiwidG90YWxfYW1vdW50Ijoi"     \
    "MTAwMC4wIiwidHJhbnNhY3Rpb25fdXVpZCI6IjI1MDYxMC0xNjI0MTMiLCJwcm9kdWN0X2NvZGUiOiJFUEFZVEVT"     \
    "VCIsInNpZ25lZF9maWVsZF9uYW1lcyI6InRyYW5zYWN0aW9uX2NvZGUsc3RhdHVzLHRvdGFsX2Ftb3VudCx0cmFu"     \
    "c2FjdGlvbl91dWlkLHByb2R1Y3RfY29kZSxzaWduZWRfZmllbGRfbmFtZXMiLCJzaWduYXR1cmUiOiI2MkdjZlpU"     \
    "bVZremh0VWVoK1FKMUFxaUpyam9XV0dvZjNVK2VUUFRaN2ZBPSJ9"

#endif
