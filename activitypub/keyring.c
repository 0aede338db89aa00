#include "activitypub/keyring.h"

#include <stdlib.h>

#include "crypto/keys.h"
#include "store/store.h"

int keyring_instance_ensure(struct store *st, struct err *err)
{
	char *pub = NULL, *priv = NULL;
	int rc;

	rc = store_setting_get(st, KEYRING_INSTANCE_PUBLIC, &pub, err);
	if (rc || pub)
		goto out;
	rc = key_generate_rsa(2048, &priv, &pub, err);
	if (rc)
		goto out;
	/* Private first: a crash between the two leaves no public key without its pair. */
	rc = store_setting_set(st, KEYRING_INSTANCE_PRIVATE, priv, err);
	if (!rc)
		rc = store_setting_set(st, KEYRING_INSTANCE_PUBLIC, pub, err);
out:
	key_pem_free(priv);
	free(pub);
	return rc;
}
