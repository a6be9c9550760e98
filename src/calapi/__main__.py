from calapi.cli import main

main()
