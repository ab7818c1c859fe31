"""The meetings feature: models, the plan, the lifecycle, the dossier, the board, mail, pages, forms and jobs."""
