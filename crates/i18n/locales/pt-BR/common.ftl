# Palavras comuns a todo o partnerhub.
product-name = partnerhub
