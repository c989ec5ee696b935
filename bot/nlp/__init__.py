"""spaCy: the offline English pipeline shared by Rasa's SpacyNLP and the product-answer matcher."""
