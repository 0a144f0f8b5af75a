# Words every part of partnerhub shares.
product-name = partnerhub
