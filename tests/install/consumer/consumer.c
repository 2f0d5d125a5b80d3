/* A program built against an installed franca: the version and one fit. */
#include <franca/franca.h>
#include <stdio.h>

int main(void) {
  int major, minor, patch;
  franca_estimator est = NULL;
  if (franca_version(&major, &minor, &patch) != FRANCA_OK || major != FRANCA_VERSION_MAJOR) return 1;
  if (franca_estimator_create("Ridge", &est) != FRANCA_OK) {
    fprintf(stderr, "%s\n", franca_last_error());
    return 1;
  }
  franca_estimator_free(est);
  printf("consumer linked franca %d.%d.%d\n", major, minor, patch);
  return 0;
}
